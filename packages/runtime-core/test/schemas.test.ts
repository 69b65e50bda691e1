import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTROL_TYPES, DATA_KINDS, IMAGE_FORMATS, PIXEL_FORMATS, TENSOR_DTYPES, VIDEO_CODECS } from '@remotemedia/runtime-core';
import { manifestSchemaText, nodesSchemaText } from '../scripts/write-schemas.js';

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), 'utf8');

describe('published schemas and docs stay in sync with the code', () => {
  it('schemas/*.json are current (regenerate: node --conditions=@remotemedia/source --import tsx packages/runtime-core/scripts/write-schemas.ts)', () => {
    expect(read('../schemas/manifest.v1.json')).toBe(manifestSchemaText());
    expect(read('../schemas/nodes.json')).toBe(nodesSchemaText());
  });

  it('docs/data-model.md lists every canonical enum value with its number', () => {
    const doc = read('../../../docs/data-model.md');
    const tables = { PIXEL_FORMATS, VIDEO_CODECS, IMAGE_FORMATS, TENSOR_DTYPES, CONTROL_TYPES, DATA_KINDS };
    const missing: string[] = [];
    for (const [table, values] of Object.entries(tables)) {
      for (const [name, num] of Object.entries(values)) if (!doc.includes(`| \`${name}\` | ${num} |`)) missing.push(`${table}.${name} = ${num}`);
    }
    expect(missing).toEqual([]);
  });
});
