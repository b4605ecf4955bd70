import { GRANT_TYPES, OAUTH_ERROR_CODES } from '@agentauth/protocol';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommitObserver } from '../audit/group-commit.js';
import type { RevocationEvent } from '../events/revocation-events.js';
import type { LimitName } from '../limits/failure-limiter.js';
import { POLICY_ACTIONS } from '../policy/policy-schema.js';
import { BoundedLabel } from './bounded-label.js';

/** How a token is bound to its holder: RFC 9449 DPoP, RFC 8705 certificate, or neither. */
export type TokenBinding = 'dpop' | 'mtls' | 'bearer';

/** Grant types served at `/token`: the agents' and people's public clients'. */
const GRANT = new BoundedLabel([...GRANT_TYPES, 'authorization_code', 'refresh_token']);
/** RFC 6749 §5.2 error codes and the extensions we answer with (docs/errors.md). */
const REASON = new BoundedLabel(OAUTH_ERROR_CODES);
const BINDING = new BoundedLabel(['dpop', 'mtls', 'bearer']);
const ACTION = new BoundedLabel(POLICY_ACTIONS);
/** What a failure limit counts (`details.limit` of `rate_limit.exceeded`, docs/events.md). */
const LIMIT = new BoundedLabel(['client_address', 'client_id', 'admin_address', 'login_address'] satisfies LimitName[]);
const METHOD = new BoundedLabel(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
/** The statuses the server answers with; anything else is `other`. */
const STATUS = new BoundedLabel(['200', '201', '202', '204', '302', '303', '304', '400', '401', '403', '404', '405', '406', '409', '410', '413', '415', '422', '429', '500', '502', '503']);

/** Latency buckets (s): from a token served from memory to a request stuck behind storage. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Group-commit batch sizes: powers of two up to the largest batch (`DEFAULT_MAX_BATCH`). */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * Every counter and histogram the server updates as it works, in a registry of its own (never
 * prom-client's global one), so that several servers in one process keep their own figures.
 * Recording only increments in memory: no I/O, nothing awaited, nothing thrown, so issuance never
 * waits for or fails because of a metric. Label values are closed lists ({@link BoundedLabel}); no
 * agent id, token id or raw path is ever a label. Gauges that need the database are read at
 * scrape time (`scrape-gauges.ts`). The list, with types and labels, is in docs/monitoring.md.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly issued: Counter<'grant' | 'binding'>;
  private readonly refused: Counter<'grant' | 'reason' | 'binding'>;
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly batchSize: Histogram;
  private readonly commitSeconds: Histogram<'result'>;
  private readonly revocations: Counter<'kind'>;
  private readonly certificatesIssued: Counter;
  private readonly certificatesRevoked: Counter;
  private readonly decisions: Counter<'action' | 'decision'>;
  private readonly rateLimits: Counter<'limit'>;

  constructor(options: { processMetrics: boolean }) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.issued = new Counter({ name: 'agentauth_tokens_issued_total', help: 'Access tokens issued at /token, by grant type and sender constraint.', labelNames: ['grant', 'binding'], registers });
    this.refused = new Counter({
      name: 'agentauth_tokens_refused_total',
      help: 'Token requests refused at /token, by grant type, OAuth error code and the sender constraint the request asked for.',
      labelNames: ['grant', 'reason', 'binding'],
      registers,
    });
    this.requests = new Histogram({
      name: 'agentauth_http_request_duration_seconds',
      help: 'Time from a request received to its answer sent, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({ name: 'agentauth_commit_batch_size', help: 'Units (requests) per group-commit transaction.', buckets: BATCH_BUCKETS, registers });
    this.commitSeconds = new Histogram({
      name: 'agentauth_commit_duration_seconds',
      help: 'Time one group-commit transaction took, by result (committed or failed).',
      labelNames: ['result'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.revocations = new Counter({ name: 'agentauth_revocations_total', help: 'Credentials revoked, by kind of revocation.', labelNames: ['kind'], registers });
    this.certificatesIssued = new Counter({ name: 'agentauth_certificates_issued_total', help: 'X.509-SVIDs the CA issued.', registers });
    this.certificatesRevoked = new Counter({ name: 'agentauth_certificates_revoked_total', help: 'Certificates the CA revoked.', registers });
    this.decisions = new Counter({ name: 'agentauth_policy_decisions_total', help: 'Cedar policy decisions, by action and outcome (allow or deny).', labelNames: ['action', 'decision'], registers });
    this.rateLimits = new Counter({ name: 'agentauth_rate_limit_hits_total', help: 'Failure limits reached (each followed by 429 answers until its window ends), by limit.', labelNames: ['limit'], registers });
  }

  /** A token issued at `/token`. */
  tokenIssued(grant: string, binding: TokenBinding): void {
    this.issued.inc({ grant: GRANT.of(grant), binding: BINDING.of(binding) });
  }

  /** A token request refused at `/token` with the OAuth error `reason`. */
  tokenRefused(grant: string | undefined, reason: string, binding: TokenBinding): void {
    this.refused.inc({ grant: GRANT.of(grant), reason: REASON.of(reason), binding: BINDING.of(binding) });
  }

  /** One answered request: `route` is the route template (`/ca/v1/crl/:caId`), undefined when no route matched. */
  requestServed(method: string, route: string | undefined, status: number, seconds: number): void {
    this.requests.observe({ method: METHOD.of(method), route: route ?? 'unmatched', status: STATUS.of(String(status)) }, seconds);
  }

  /** A Cedar decision at a live decision point (not a dry run). */
  policyDecided(action: string, allowed: boolean): void {
    this.decisions.inc({ action: ACTION.of(action), decision: allowed ? 'allow' : 'deny' });
  }

  /** Heard on the revocation event bus (`events/revocation-events.ts`). */
  readonly revoked = (event: RevocationEvent): void => {
    const kind = event.kind === 'token_revoked' ? (event.reason === 'cascade' ? 'token_cascade' : 'token') : event.kind.replace('_revoked', '').replace('_removed', '');
    this.revocations.inc({ kind });
    if (event.kind === 'certificate_revoked') this.certificatesRevoked.inc();
  };

  /** The group commit's observer: batch sizes, commit latency, and what the committed audit records say was issued or limited. */
  readonly commits: CommitObserver = (units) => {
    const size = units.length;
    const end = this.commitSeconds.startTimer();
    return (results) => {
      end({ result: results === undefined ? 'failed' : 'committed' });
      if (results === undefined) return;
      this.batchSize.observe(size);
      results.forEach((result, i) => {
        const unit = units[i];
        if (!result.ok || unit === undefined) return;
        for (const record of unit.audit) {
          if (record.event === 'certificate.issued') this.certificatesIssued.inc();
          else if (record.event === 'rate_limit.exceeded') this.rateLimits.inc({ limit: LIMIT.of(typeof record.details.limit === 'string' ? record.details.limit : undefined) });
        }
      });
    };
  };
}
