#!/usr/bin/env node
// The `agentauth` command. This file is in the repository (not built) so that `npm ci` on a fresh
// clone links it into node_modules/.bin before anything is compiled: npm links only bins that
// exist at install time. It loads the compiled CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/bin/agentauth.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write('agentauth: the CLI is not built yet: run `npm run build` (or `npm start`) at the root of the agentauth checkout\n');
  process.exit(1);
}
await import(compiled.href);
