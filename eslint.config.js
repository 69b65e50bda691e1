// Lint: typescript-eslint's type-aware recommended rules (floating promises, misused promises, awaiting
// non-thenables, ...) on every TS and JS file, and the package boundaries (see docs/architecture.md;
// test/boundaries.test.ts checks the same on the import graph).
import tseslint from 'typescript-eslint';

const transportModules = ['@connectrpc/*', '@bufbuild/*', 'werift', 'undici', 'ws', 'express', 'fastify', 'hono', '@grpc/*'];
const internals = { group: ['@remotemedia/*/src/*', '@remotemedia/*/dist/*'], message: 'Import a package by its public entry, never its internals.' };

const recommended = tseslint.configs.recommendedTypeChecked;
const rules = {
  // Unused names are errors unless they start with `_` (positional parameters, destructured omissions).
  '@typescript-eslint/no-unused-vars': [
    'error',
    { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
  ],
  // A `let` that a closure reads before its one assignment stays `let` (as `const` it would be in its dead zone).
  'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
  // Forwarding a reason the code did not create (an AbortSignal's reason, a caught error) is right: wrapping it would hide it.
  '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
  // Off: an `async` method without `await` is how the code implements Promise-returning contracts (close(),
  // listNodes(), ...), and the rule's remedy (dropping `async`) turns a rejected promise into a synchronous throw.
  '@typescript-eslint/require-await': 'off',
};
// The `any`-flow rules. Off in JavaScript (every JSON.parse or untyped import is `any` there, with no annotation
// to add) and in tests, which read untyped wire payloads (JSON bodies, frames) and assert on them with expect().
const unsafeAnyRules = ['no-unsafe-argument', 'no-unsafe-assignment', 'no-unsafe-call', 'no-unsafe-member-access', 'no-unsafe-return'];
const unsafeAnyOff = Object.fromEntries(unsafeAnyRules.map((r) => [`@typescript-eslint/${r}`, 'off']));

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/gen/**', 'bench-results/**', '**/*.d.ts', '.cache/**'] },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.js', '**/*.mjs'],
    extends: [recommended],
    languageOptions: {
      parserOptions: {
        // Each file is typed by its nearest tsconfig.json (the root one covers root config files and scripts/);
        // the two build scripts of runtime-core get a default project.
        projectService: { allowDefaultProject: ['packages/runtime-core/scripts/*.mjs', 'packages/runtime-core/container/*.mjs', 'bench/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules,
  },
  { files: ['**/*.js', '**/*.mjs', '**/test/**', '**/*.test.ts'], rules: unsafeAnyOff },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [internals] }] },
  },
  {
    files: ['packages/runtime-core/src/**/*.ts'],
    ignores: ['packages/runtime-core/src/nodejs/**', 'packages/runtime-core/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            internals,
            { group: transportModules, message: 'runtime-core has no transport dependencies.' },
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'http2', 'net', 'crypto', 'stream', 'events'],
              message: "runtime-core's main entry runs in browsers: Node-only code goes under src/nodejs/ (the ./node export).",
            },
            { group: ['**/nodejs/*', '../nodejs', './nodejs'], message: 'The browser-safe entry must not reach into src/nodejs/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/runtime-core/src/nodejs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [internals, { group: transportModules, message: 'runtime-core has no transport dependencies.' }] }],
    },
  },
);
