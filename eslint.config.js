// Lint enforces the package boundaries (see docs/architecture.md); test/boundaries.test.ts checks the same on the import graph.
import tseslint from 'typescript-eslint';

const transportModules = ['@connectrpc/*', '@bufbuild/*', 'werift', 'undici', 'ws', 'express', 'fastify', 'hono', '@grpc/*'];
const internals = { group: ['@remotemedia/*/src/*', '@remotemedia/*/dist/*'], message: 'Import a package by its public entry, never its internals.' };

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/gen/**', 'bench-results/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    languageOptions: { parser: tseslint.parser },
    rules: { 'no-restricted-imports': ['error', { patterns: [internals] }] },
  },
  {
    files: ['packages/runtime-core/src/**/*.ts'],
    ignores: ['packages/runtime-core/src/node/**', 'packages/runtime-core/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            internals,
            { group: transportModules, message: 'runtime-core has no transport dependencies.' },
            { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'http2', 'net', 'crypto', 'stream', 'events'], message: "runtime-core's main entry runs in browsers: Node-only code goes under src/node/ (the ./node export)." },
            { group: ['**/node/*', '../node', './node'], message: 'The browser-safe entry must not reach into src/node/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/runtime-core/src/node/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [internals, { group: transportModules, message: 'runtime-core has no transport dependencies.' }] }] },
  },
);
