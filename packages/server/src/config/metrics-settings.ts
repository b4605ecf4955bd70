import { setting } from './setting.js';
import { bearerToken, hostAddress, integer, oneOf } from './value-types.js';

/**
 * The settings of the Prometheus metrics endpoint (docs/monitoring.md, "Metrics"). Part of the one
 * schema, `SETTINGS` in schema.ts, in this order.
 */
export const METRICS_SETTINGS = [
  setting('metrics', {
    type: oneOf(['on', 'off'] as const),
    default: { value: 'on' },
    description:
      'Prometheus metrics at `GET /metrics` (docs/monitoring.md). `off` counts nothing and serves no `/metrics`.',
  }),
  setting('metricsToken', {
    type: bearerToken({ minLength: 32, maxLength: 1024 }),
    default: { value: undefined },
    defaultDoc: 'none: only admin credentials may scrape',
    description:
      'Bearer token Prometheus scrapes `/metrics` with (`authorization.credentials_file` in its scrape config); admin credentials (the bootstrap token, an `agentauth:admin` access token) are accepted too. It grants nothing else.',
    secret: true,
  }),
  setting('metricsPort', {
    type: integer({ min: 0, max: 65535 }),
    default: { value: 0 },
    defaultDoc: '`0`: `/metrics` is served on the public listener',
    description:
      'TCP port of a separate listener that serves `/metrics` alone (with the same bearer token), for a scrape network apart from the public one; `/metrics` is then not served on the public listener.',
  }),
  setting('metricsHost', {
    type: hostAddress(),
    default: { derive: ({ host }) => host, doc: 'HOST', hint: 'set AGENTAUTH_METRICS_HOST to the interface the metrics listener binds to' },
    description: 'Interface the separate metrics listener binds to (when AGENTAUTH_METRICS_PORT is set).',
  }),
] as const;
