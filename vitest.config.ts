import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, never a stale dist/.
    alias: {
      '@agentauth/protocol': pkg('protocol'),
      // Adapter subpaths first: the first matching alias wins, and the bare name matches them too.
      ...Object.fromEntries(
        ['fastify', 'express', 'hono', 'fetch', 'node'].map((name) => [
          `@agentauth/resource-server/${name}`,
          fileURLToPath(new URL(`./packages/resource-server/src/${name === 'node' ? 'node' : `adapters/${name}`}.ts`, import.meta.url)),
        ]),
      ),
      '@agentauth/resource-server': pkg('resource-server'),
      ...Object.fromEntries(['node', 'mcp', 'langchain'].map((name) => [`@agentauth/client/${name}`, fileURLToPath(new URL(`./packages/client/src/${name}.ts`, import.meta.url))])),
      '@agentauth/client': pkg('client'),
      '@agentauth/server': pkg('server'),
    },
  },
  test: {
    globalSetup: ['./vitest.global-setup.ts'],
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Generous: the suite must pass on a loaded machine, where starting a server process can take
    // many seconds. No test measures time; a timeout only stops a test that hangs.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // expect.poll waits for what a real process or browser does next (a redirect, a page): 1 s,
    // the default, is a wall-clock bound that a loaded machine misses. It still stops a hang.
    expect: { poll: { timeout: 30_000 } },
    // Two cores: more forks only contend.
    maxWorkers: 2,
  },
});
