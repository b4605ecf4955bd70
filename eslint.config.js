import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.agentauth/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The console runs in the browser: its globals, not Node.js's.
    files: ['packages/console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly', HTMLElement: 'readonly', Blob: 'readonly' } },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The packed-install test's consumer project: plain Node.js, and one CommonJS file on purpose.
    files: ['test/packaging/consumer/**'],
    languageOptions: { globals: { fetch: 'readonly', Request: 'readonly', URLSearchParams: 'readonly' } },
  },
  {
    files: ['test/packaging/consumer/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests may assert presence with `!` and build hostile inputs by deleting members.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-dynamic-delete': 'off' },
  },
  {
    // The protocol core never imports fastify (ARCHITECTURE.md, Tiers and the one-way rule).
    files: ['packages/server/src/oauth/**/*.ts', 'packages/server/src/tokens/**/*.ts', 'packages/server/src/agents/**/*.ts', 'packages/server/src/audit/**/*.ts', 'packages/server/src/keys/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['fastify', '@fastify/*'] }] },
  },
  {
    // The SDKs never import the server.
    files: ['packages/client/src/**/*.ts', 'packages/resource-server/src/**/*.ts', 'packages/protocol/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@agentauth/server', '@agentauth/cli'] }] },
  },
  {
    // The protocol package and the resource-server's core run on Web APIs alone (Deno, Bun,
    // workers): what needs Node.js lives in packages/resource-server/src/node/ (the `/node`
    // entry), and the express and fastify adapters are Node.js frameworks' own.
    files: ['packages/resource-server/src/**/*.ts', 'packages/protocol/src/**/*.ts'],
    ignores: ['packages/resource-server/src/node/**', 'packages/resource-server/src/node.ts', 'packages/resource-server/src/adapters/express.ts', 'packages/resource-server/src/adapters/fastify.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@agentauth/server', '@agentauth/cli', 'node:*', ...builtinModules] }],
      'no-restricted-globals': ['error', ...['Buffer', 'process', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate', 'clearImmediate'].map((name) => ({ name, message: 'Node.js only: the core runs on Web APIs (see docs/resource-server.md, Runtimes).' }))],
    },
  },
);
