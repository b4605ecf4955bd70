#!/usr/bin/env node
import { runServer } from '../main/run-server.js';

runServer(process.argv.slice(2), process.env).then(
  (status) => {
    if (status >= 0) process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`agentauth-server: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
