// specs/manifest.schema.json is generated from runtime-core's zod schema (together with the
// package's schemas/manifest.v1.json, by packages/runtime-core/scripts/write-schemas.ts): it must
// be current, and every manifest shipped under examples/ must validate against it with ajv.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestJsonSchema } from '@remotemedia/runtime-core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createAjv, describeErrors, manifestSchema, readSpec } from './spec-documents.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const examples = join(repo, 'examples');

/** Every YAML file under examples/ that is a manifest (`version: v1`), not an operator configuration. */
function exampleManifests(): string[] {
  return (readdirSync(examples, { recursive: true }) as string[])
    .filter((f) => /\.ya?ml$/.test(f) && !f.split('/').includes('node_modules'))
    .map((f) => join(examples, f))
    .filter((f) => (parse(readFileSync(f, 'utf8')) as { version?: unknown } | null)?.version === 'v1');
}

describe('specs/manifest.schema.json', () => {
  it('is current (regenerate: node --conditions=@remotemedia/source --import tsx packages/runtime-core/scripts/write-schemas.ts)', () => {
    expect(readSpec('manifest.schema.json')).toBe(JSON.stringify(manifestJsonSchema(), null, 2) + '\n');
    expect(readSpec('manifest.schema.json')).toBe(readFileSync(join(repo, 'packages/runtime-core/schemas/manifest.v1.json'), 'utf8'));
  });

  const validate = createAjv().compile(manifestSchema);
  const files = exampleManifests();

  it('finds the example manifests', () => {
    expect(files.map((f) => relative(repo, f))).toEqual(expect.arrayContaining(['examples/calculator.yaml', 'examples/vad.yaml', 'examples/voice-loop.yaml']));
  });

  it.each(files.map((f) => [relative(repo, f), f]))('%s validates', (_, file) => {
    const manifest = parse(readFileSync(file, 'utf8'));
    expect(validate(manifest), describeErrors(validate.errors)).toBe(true);
  });

  it('rejects what is not a manifest', () => {
    for (const bad of [
      {},
      { version: 'v2', metadata: { name: 'x' }, nodes: [] },
      { version: 'v1', metadata: { name: 'x' }, nodes: [{ nodeType: 'PassThrough' }] },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
