#!/usr/bin/env node
import { main } from '../main.js';
import { nodeIo } from '../node-io.js';

const status = await main(process.argv.slice(2), nodeIo());
// exitCode, not exit(): let stdout drain first. A negative status is `start` saying the server
// keeps running; the process then ends when the server stops.
if (status >= 0) process.exitCode = status;
