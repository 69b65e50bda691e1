// Regenerates schemas/manifest.v1.json (for editors) and schemas/nodes.json (params of every
// built-in node type). test/schemas.test.ts fails when the committed files are stale.
import { writeFileSync } from 'node:fs';
import { manifestJsonSchema } from '@remotemedia/runtime-core';
import { createNodeRegistry } from '@remotemedia/runtime-core/node';

const dir = new URL('../schemas/', import.meta.url);
export const manifestSchemaText = () => JSON.stringify(manifestJsonSchema(), null, 2) + '\n';
export const nodesSchemaText = () =>
  JSON.stringify(Object.fromEntries(createNodeRegistry().listNodes().map((n) => [n.type, { description: n.description, accepts: n.accepts, produces: n.produces, params: n.paramsJsonSchema }])), null, 2) + '\n';

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  writeFileSync(new URL('manifest.v1.json', dir), manifestSchemaText());
  writeFileSync(new URL('nodes.json', dir), nodesSchemaText());
  console.log('wrote schemas/manifest.v1.json and schemas/nodes.json');
}
