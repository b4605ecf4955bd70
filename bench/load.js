// Closed-loop load at peak: autocannon keeps `connections` requests in flight, each with the next
// pre-signed body, so the server runs flat out and we read its throughput and latency there.
import autocannon from 'autocannon';
import { percentile } from './percentile.js';

/**
 * One autocannon run of POST `tokenUrl` for `durationSeconds`, each request taking the next of
 * `bodies` (and, when given, the next of `dpopProofs` as its `DPoP` header). Never re-sends a body:
 * when the bodies run out the run stops early and `exhausted` is true (the caller retries with
 * more). Tokens/s counts only 2xx answers.
 */
export async function runPeak({ tokenUrl, bodies, dpopProofs, connections, durationSeconds }) {
  let next = 0;
  let exhausted = false;
  let instance;
  const latencies = [];
  const setupRequest = (request) => {
    if (next >= bodies.length) {
      exhausted = true;
      instance?.stop();
      // autocannon needs a request; this one is counted and discarded (the run is retried). Not a
      // replayed assertion: the server would count each as a failed authentication, and enough of
      // them puts the benchmark client over its failure limit (429 for the runs that follow).
      return { ...request, method: 'GET', path: '/readyz', body: undefined, headers: {} };
    }
    const i = next++;
    return dpopProofs === undefined ? { ...request, body: bodies[i] } : { ...request, body: bodies[i], headers: { ...request.headers, dpop: dpopProofs[i] } };
  };
  const result = await new Promise((resolve, reject) => {
    instance = autocannon(
      {
        url: tokenUrl,
        connections,
        duration: durationSeconds,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        requests: [{ setupRequest }],
        timeout: 10,
        // autocannon checks for the end (and for stop()) once per sample; 100 ms keeps an
        // exhausted run from replaying the last body for up to a second.
        sampleInt: 100,
      },
      (error, value) => (error ? reject(error) : resolve(value)),
    );
    // autocannon's histogram keeps whole milliseconds; its response event has the exact time.
    instance.on('response', (_client, _status, _bytes, milliseconds) => latencies.push(milliseconds));
  });
  const sorted = Float64Array.from(latencies).sort();
  return {
    exhausted,
    sent: next,
    seconds: result.duration,
    tokensPerSecond: result['2xx'] / result.duration,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)])),
  };
}
