// What an attacker sends, as fast-check arbitraries: manifests that are nearly right, manifests
// built to be expensive (long chains, back edges, deep nesting, huge names, lone surrogates),
// RuntimeData in its JSON form (right and wrong), and plain garbage. Every target draws from these.
import fc from 'fast-check';

const NODE_TYPES = [
  'PassThrough',
  'Calculator',
  'TextCollector',
  'AudioResample',
  'AudioChunker',
  'AudioFormat',
  'AudioLevel',
  'SilenceDetector',
  'EnergyVAD',
  'AudioBufferAccumulator',
  'SileroVAD',
];

/** Strings that broke servers before, or break naive code: lone surrogates, NULs, separators, percent signs. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\ud800',
    'a\udfffb',
    '\u0000',
    '%',
    '%zz',
    '%E0%A4%A',
    '../../etc/passwd',
    '/etc/shadow',
    '\r\n',
    'a,b:c',
    '😀',
    '\u2028',
    '',
    ' ',
    'null',
    '__proto__',
    'constructor',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 20 }).map((s) => s.repeat(1000)),
);

/** Numbers a schema must refuse or survive: huge, tiny, negative, fractional, not safe integers. */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, 0.5, 1e20, 1e300, -1e300, 2 ** 31, 2 ** 53 + 1, Number.MAX_VALUE, Number.MIN_VALUE, 48000, 16000, 1),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** A JSON value with nasty leaves; depth bounded (deep nesting has its own arbitrary). */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyNumber,
    nastyString,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.constantFrom('samples', 'sampleRate', 'channels', 'kind', 'value', 'text')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { d: v };
  return v;
}

const nodeParams = fc.oneof(
  fc.constant(undefined),
  fc.record({ operation: fc.constantFrom('add', 'divide', 'pow'), operand: nastyNumber }, { requiredKeys: [] }),
  fc.record({ targetRate: nastyNumber, samples: nastyNumber, channels: nastyNumber, threshold: nastyNumber, modelPath: nastyString }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 8 }), nastyJson, { maxKeys: 3 }),
  fc.integer({ min: 40, max: 2000 }).map((depth) => ({ deep: nest(depth) })),
  nastyJson,
);

const nodeType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NODE_TYPES) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom('RemotePipeline', 'Whisper', 'passthrough') },
);

/** A manifest close to valid: the shape is right, the values are drawn to hurt. */
export const nearlyValidManifest: fc.Arbitrary<unknown> = fc
  .record({
    nodeCount: fc.integer({ min: 0, max: 12 }),
    types: fc.array(nodeType, { minLength: 12, maxLength: 12 }),
    params: fc.array(nodeParams, { minLength: 12, maxLength: 12 }),
    executor: fc.constantFrom(undefined, 'in-process', 'multiprocess', 'container', 7),
    timeoutMs: fc.option(nastyNumber, { nil: undefined }),
    edges: fc.array(fc.tuple(fc.nat(13), fc.nat(13)), { maxLength: 16 }),
    version: fc.constantFrom('v1', 'v1', 'v1', 'v2', 1, undefined),
    metadata: fc.constantFrom({ name: 'fuzz' }, { name: 'fuzz' }, undefined, {}, 'x'),
    settings: fc.constantFrom(
      undefined,
      { python: { modules: ['os'] } },
      { python: { pythonExecutable: '/bin/sh' } },
      { python: { env: { LD_PRELOAD: '/x.so' } } },
      { python: 'x' },
    ),
  })
  .map(({ nodeCount, types, params, executor, timeoutMs, edges, version, metadata, settings }) => ({
    ...(version === undefined ? {} : { version }),
    ...(metadata === undefined ? {} : { metadata }),
    nodes: types.slice(0, nodeCount).map((t, i) => ({
      id: `n${i}`,
      nodeType: t,
      ...(params[i] === undefined ? {} : { params: params[i] }),
      ...(executor === undefined || i % 2 ? {} : { executor }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    })),
    connections: edges.map(([a, b]) => ({ from: `n${a}`, to: `n${b}` })),
    ...(settings === undefined ? {} : { settings }),
  }));

/** Manifests built to be expensive to check or to report on. */
export const costlyManifest: fc.Arbitrary<unknown> = fc.oneof(
  // A long chain with back edges to every k-th earlier node (the cycle report once grew to GBs).
  fc.record({ n: fc.integer({ min: 50, max: 600 }), every: fc.integer({ min: 1, max: 20 }) }).map(({ n, every }) => ({
    version: 'v1',
    metadata: { name: 'chain' },
    nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i}`, nodeType: 'PassThrough' })),
    connections: Array.from({ length: n - 1 }, (_, i) => [
      { from: `n${i}`, to: `n${i + 1}` },
      ...Array.from({ length: Math.ceil((i + 1) / every) }, (_, j) => ({ from: `n${i + 1}`, to: `n${j * every}` })),
    ]).flat(),
  })),
  // Many unknown node types (once a 64 kB gRPC trailer and a reset stream).
  fc.integer({ min: 50, max: 250 }).map((n) => ({
    version: 'v1',
    metadata: { name: 'unknown' },
    nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i}`, nodeType: `Unknown${i}_${'x'.repeat(i % 7 === 0 ? 2000 : 8)}` })),
  })),
  // Unknown types with executor multiprocess (once registered for good in the shared registry).
  fc.record({ n: fc.integer({ min: 1, max: 20 }), salt: fc.uuid() }).map(({ n, salt }) => ({
    version: 'v1',
    metadata: { name: 'py' },
    nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i}`, nodeType: `Dyn${salt.slice(0, 8)}${i}`, executor: 'multiprocess' })),
  })),
  // Deep nesting, a huge node id, a lone surrogate as a type.
  fc
    .integer({ min: 100, max: 2000 })
    .map((depth) => ({ version: 'v1', metadata: { name: 'deep' }, nodes: [{ id: 'a', nodeType: 'PassThrough', params: { v: nest(depth) } }] })),
  fc.constant({ version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'a'.repeat(100_000), nodeType: 'PassThrough' }] }),
  fc.constant({ version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'a', nodeType: '\ud800' }] }),
);

/** Manifest text: JSON of the above, YAML-ish garbage, or random text. */
export const manifestText: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: nearlyValidManifest.map((m) => JSON.stringify(m)) },
  { weight: 2, arbitrary: costlyManifest.map((m) => JSON.stringify(m)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '[]',
      'null',
      '"x"',
      'version: v1\nnodes: [',
      'a: &a [*a]',
      '{"version":"v1"}',
      '- - - -',
      '{"__proto__":{"polluted":1}}',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
);

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** RuntimeData in its JSON form: valid, subtly wrong, or garbage. */
export const runtimeDataJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ kind: fc.constant('audio'), samples: fc.uint8Array({ maxLength: 64 }).map(base64), sampleRate: nastyNumber, channels: nastyNumber }),
  fc.record({
    kind: fc.constant('audio'),
    samples: fc.oneof(nastyString, fc.constant('!!!not base64')),
    sampleRate: fc.constant(16000),
    channels: fc.constant(1),
  }),
  fc.record({ kind: fc.constant('json'), value: nastyJson }),
  fc.record({ kind: fc.constant('text'), text: nastyString }),
  fc.record(
    {
      kind: fc.constantFrom('tensor', 'video', 'image', 'binary', 'control', 'nope', ''),
      value: nastyJson,
      bytes: fc.uint8Array({ maxLength: 16 }).map(base64),
      shape: fc.array(nastyNumber, { maxLength: 4 }),
      width: nastyNumber,
      height: nastyNumber,
      control: nastyJson,
    },
    { requiredKeys: ['kind'] },
  ),
  nastyJson,
);

/** One transport-level input item: `{data, metadata?}` or a bare RuntimeData. */
export const inputItem: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    { data: runtimeDataJson, metadata: fc.option(fc.dictionary(nastyString, fc.oneof(nastyString, nastyNumber), { maxKeys: 3 }), { nil: undefined }) },
    { requiredKeys: ['data'] },
  ),
  runtimeDataJson,
);

/** Header values as a client can send them (Node refuses control characters itself). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '-1', '0.5', '1e20', '1e300', 'NaN', 'Infinity', '10S', '99999999999H', 'abc', '', ' ', '1m', '%'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
  fc.nat(10_000).map(String),
);

/** A path segment with percent-encoding mistakes and traversal. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '%2e%2e', '%00', 'a%2Fb', 'x'.repeat(5000), '%F0%9F%98%80', '%ED%A0%80'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map((s) => encodeURIComponent(s)),
  fc.uuid(),
);
