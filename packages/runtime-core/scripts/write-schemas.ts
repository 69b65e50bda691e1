// Regenerates schemas/manifest.v1.json (for editors) and schemas/nodes.json (params of every
// built-in node type), and the normative copy of the manifest schema, specs/manifest.schema.json
// (the same text). test/schemas.test.ts and specs/test/manifest-schema.test.ts fail when the
// committed files are stale; scripts/check-generated.mjs checks the two manifest copies agree.
import { writeFileSync } from 'node:fs';
import { manifestJsonSchema } from '@remotemedia/runtime-core';
import { createNodeRegistry } from '@remotemedia/runtime-core/node';

const dir = new URL('../schemas/', import.meta.url);
export const manifestSchemaText = () => JSON.stringify(manifestJsonSchema(), null, 2) + '\n';
export const nodesSchemaText = () =>
  JSON.stringify(
    Object.fromEntries(
      createNodeRegistry()
        .listNodes()
        .map((n) => [n.type, { description: n.description, accepts: n.accepts, produces: n.produces, params: n.paramsJsonSchema }]),
    ),
    null,
    2,
  ) + '\n';

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  writeFileSync(new URL('manifest.v1.json', dir), manifestSchemaText());
  writeFileSync(new URL('nodes.json', dir), nodesSchemaText());
  writeFileSync(new URL('../../../specs/manifest.schema.json', import.meta.url), manifestSchemaText());
  console.log('wrote schemas/manifest.v1.json, schemas/nodes.json and specs/manifest.schema.json');
}
