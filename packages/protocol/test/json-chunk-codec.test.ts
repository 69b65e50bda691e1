import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type JsonValue, type TransportData, audio, json, text } from '@remotemedia/runtime-core';
import { describe, expect, it } from 'vitest';
import { StreamPipelineResponseSchema, encodeJsonResult, fromDataChunk, toDataChunk } from '../src/index.js';

// protobuf-es is the reference: the hand-written encoder must give the very bytes it gives.
const reference = (value: TransportData) =>
  toBinary(StreamPipelineResponseSchema, create(StreamPipelineResponseSchema, { response: { case: 'result', value: toDataChunk(value) } }));
const vadEvent = { hasSpeech: true, probability: 0.873_160_362_243_652_3, speechStart: false, speechEnd: false, timestampUs: 1_234_560_000 };
const chunk = (value: JsonValue, extra: Partial<TransportData> = {}): TransportData => ({ data: json(value), metadata: {}, ...extra });

const cases: [string, TransportData][] = [
  ['a VAD event', chunk(vadEvent, { sequence: 42 })],
  ['an empty object', chunk({})],
  ['an empty array, null, 0, "" at the top', chunk([[], null, 0, ''])],
  ['a bare string', chunk('just text')],
  ['nested values', chunk({ a: [1, { b: null, c: [true, false, -0, 1e21, 5e-324] }], d: { e: { f: 'g', h: [[[]]] } } })],
  ['unicode: accents, CJK, astral', chunk({ 'Zoë 🎙': '中文 🎉 é', list: ['𝄞', '\u2028\u2029'] })],
  ['lone surrogates (escaped by JSON.stringify)', chunk({ '\ud800key': 'a\udc00b', tail: 'x\ud83c', head: '\udfffy' })],
  ['escapes and control characters', chunk({ 'q"\\': '\n\t\r\b\f\u0000\u001f/' })],
  ['values JSON.stringify changes (NaN, Infinity, undefined, toJSON)', chunk({ n: Number.NaN, i: -Infinity, u: undefined, d: new Date(0) } as never)],
  ['a text over 127 bytes (two-byte lengths)', chunk({ words: 'é'.repeat(100) })],
  ['a text over 16 KiB (three-byte lengths)', chunk({ samples: Array.from({ length: 3000 }, (_, i) => i / 7) }, { sequence: 2 ** 53 - 1 })],
  ['sequence 0', chunk(vadEvent, { sequence: 0 })],
  ['sequence 127 / 128 (varint boundary)', chunk(vadEvent, { sequence: 128, metadata: { n: '127' } })],
  [
    'metadata entries (empty key and value, unicode, lone surrogate)',
    chunk(vadEvent, { sequence: 7, metadata: { speaker: 'Zoë', '': 'empty key', k: '', '🎙': 'mic\ud800', '10': 'numeric key' } }),
  ],
];

describe('hand-written JSON result encoder', () => {
  it.each(cases)('gives the bytes protobuf-es gives: %s', (_name, value) => {
    const fast = encodeJsonResult(value, 5)!;
    expect(fast).toBeDefined();
    expect(fast.subarray(0, 5)).toEqual(new Uint8Array(5));
    const expected = reference(value);
    expect(fast.subarray(5)).toEqual(expected);
    expect(fromBinary(StreamPipelineResponseSchema, fast.subarray(5))).toEqual(fromBinary(StreamPipelineResponseSchema, expected));
  });

  it.each(cases)('decodes to the value (after a JSON round trip): %s', (_name, value) => {
    const decoded = fromBinary(StreamPipelineResponseSchema, encodeJsonResult(value)!);
    expect(decoded.response.case).toBe('result');
    const back = fromDataChunk(decoded.response.value as never);
    const metadata = Object.fromEntries(Object.entries(value.metadata).map(([k, v]) => [k, new TextDecoder().decode(new TextEncoder().encode(v))]));
    expect(back).toEqual({ ...value, metadata, data: json(JSON.parse(JSON.stringify((value.data as { value: unknown }).value)) as JsonValue) });
  });

  it('results stay intact while later ones are encoded (small ones share a slab)', () => {
    const values = Array.from({ length: 300 }, (_, i) => chunk({ ...vadEvent, probability: i / 300, note: 'é'.repeat(i % 50) }, { sequence: i }));
    const encoded = values.map((v) => encodeJsonResult(v)!);
    encoded.forEach((bytes, i) => expect(bytes).toEqual(reference(values[i])));
  });

  it('a lone surrogate in the JSON value survives the wire (escaped, not replaced)', () => {
    const decoded = fromBinary(StreamPipelineResponseSchema, encodeJsonResult(chunk({ s: 'a\ud800' }))!);
    expect(fromDataChunk(decoded.response.value as never).data).toEqual(json({ s: 'a\ud800' }));
  });

  it('leaves everything else to protobuf-es (returns undefined)', () => {
    expect(encodeJsonResult({ data: text('hi'), metadata: {} })).toBeUndefined();
    expect(encodeJsonResult({ data: audio(new Float32Array(2), 16_000), metadata: {} })).toBeUndefined();
    for (const sequence of [2 ** 60, -1, 1.5, Number.NaN]) expect(encodeJsonResult(chunk(vadEvent, { sequence }))).toBeUndefined();
    expect(encodeJsonResult(chunk(vadEvent, { metadata: { k: 5 as never } }))).toBeUndefined();
    // JSON.stringify refuses these or gives no text; protobuf-es' path then throws or reports it.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [{ big: 1n }, cyclic, undefined, () => 1]) expect(encodeJsonResult(chunk(value as never))).toBeUndefined();
    expect(() => reference(chunk({ big: 1n } as never))).toThrow(TypeError);
  });
});
