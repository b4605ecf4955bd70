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
);
