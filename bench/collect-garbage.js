// A full garbage collection of the load generator between runs, so that garbage left by signing
// and by the previous run is not collected inside the next measured window (a generator pause
// would be charged to the server as latency).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

/** Runs a full, synchronous GC of this process. */
export function collectGarbage() {
  gc();
}
