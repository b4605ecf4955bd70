import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import { AgentError, invalid } from '../agents/agent-error.js';
import type { AgentService, AuditContext } from '../agents/agent-service.js';
import { hashSecret } from '../agents/client-secret.js';
import { validatePublicJwk } from '../agents/validate-jwk.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditEvent } from '../events/audit-events.js';
import type { AuditInput } from '../store/records.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { EnrollmentStore } from '../store/ports/enrollment-store.js';
import { standingFault } from '../agents/agent-standing.js';

/** Default lifetime of an enrolment token: long enough to paste it into a deployment, no longer. */
export const DEFAULT_ENROLLMENT_TTL_SECONDS = 15 * 60;
/** Longest lifetime an operator may ask for. */
export const MAX_ENROLLMENT_TTL_SECONDS = 24 * 60 * 60;
/** Shortest lifetime: anything less is a typo, not a policy. */
export const MIN_ENROLLMENT_TTL_SECONDS = 60;

/** Recognisable prefix, so secret scanners and humans can tell what a leaked string is. */
export const ENROLLMENT_TOKEN_PREFIX = 'aaenr_';
/** Shape of a token we issued: the prefix and 32 random bytes (256 bits), base64url. */
const TOKEN_PATTERN = /^aaenr_[A-Za-z0-9_-]{43}$/;

/** What the admin gets once: the token itself is never stored nor shown again. */
export interface CreatedEnrollmentToken {
  id: string;
  agentId: string;
  token: string;
  expiresAt: number;
}

/** What a successful enrolment answers. */
export interface EnrollmentResult {
  agentId: string;
  credentialId: string;
  kid: string;
}

/**
 * Why an enrolment was refused. `grant` is a bad, used or expired token (RFC 6749 §5.2
 * `invalid_grant`); `request` is a malformed request or key (`invalid_request`). The message is
 * for the operator's log and audit record; the client gets a fixed description.
 */
export class EnrollmentError extends Error {
  override readonly name = 'EnrollmentError';
  constructor(
    readonly kind: 'grant' | 'request',
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** The slice of `Deps` enrolment needs. */
export interface EnrollmentServiceDeps {
  clock: Clock;
  random: Random;
  audit: AuditLog;
  agents: AgentService;
  agentStore: Pick<AgentStore, 'getAgent' | 'listCredentials'>;
  store: EnrollmentStore;
}

/**
 * Enrolment without shared secrets (docs/agent-sdk.md): an operator creates a one-time token for an
 * agent; the agent, on its first run, registers a public key it generated itself with that token.
 * The token is 256 random bits, stored as SHA-256 only (ARCHITECTURE.md, Security rules),
 * short-lived, and consumed by one conditional write (never a read then a write), so it registers
 * exactly one key, once.
 */
export class EnrollmentService {
  constructor(private readonly deps: EnrollmentServiceDeps) {}

  /**
   * Creates a token for an active `private_key_jwt` agent that publishes no `jwks_uri` (the
   * enrolled key is registered on the agent). `ttlSeconds` defaults to 15 minutes, 60 s..24 h.
   */
  async createToken(agentId: string, ttlSeconds: number | undefined, ctx: AuditContext): Promise<CreatedEnrollmentToken> {
    const ttl = ttlSeconds ?? DEFAULT_ENROLLMENT_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < MIN_ENROLLMENT_TTL_SECONDS || ttl > MAX_ENROLLMENT_TTL_SECONDS) {
      throw invalid(`ttl must be an integer from ${MIN_ENROLLMENT_TTL_SECONDS} to ${MAX_ENROLLMENT_TTL_SECONDS} seconds`);
    }
    const agent = AGENT_ID_PATTERN.test(agentId) ? await this.deps.agentStore.getAgent(agentId) : undefined;
    if (agent === undefined) throw new AgentError('not_found', 'no such agent');
    if (agent.status !== 'active') throw new AgentError('conflict', `the agent is ${agent.status}; only an active agent can be enrolled`);
    if (agent.tokenEndpointAuthMethod !== 'private_key_jwt') {
      throw new AgentError('conflict', 'enrolment registers a key for private_key_jwt; the agent uses another method');
    }
    if (agent.jwksUri !== null) throw new AgentError('conflict', 'the agent publishes its keys at jwks_uri; there is nothing to enrol');

    const now = this.deps.clock.now();
    const token = `${ENROLLMENT_TOKEN_PREFIX}${this.deps.random.token(32)}`;
    const record = { id: `enr_${this.deps.random.token(16)}`, tokenHash: hashSecret(token), agentId, createdAt: now, expiresAt: now + ttl * 1000, usedAt: null };
    // The token and its record in one transaction.
    await this.deps.store.createEnrollmentToken(record, [this.record('enrollment_token.created', 'success', agentId, ctx, null, { enrollment_token_id: record.id, expires_at: new Date(record.expiresAt).toISOString() })]);
    return { id: record.id, agentId, token, expiresAt: record.expiresAt };
  }

  /**
   * Consumes `token` and registers `jwk` (a public key) on its agent through the registry, so
   * validation and the `credential.added` record are the same as for an admin. The key is
   * validated before the token is consumed, so a malformed key does not burn a token. A token
   * that is unknown, used or expired is refused (`invalid_grant`), and so is a token whose agent is
   * no longer active; each refusal is audited as `enrollment.failed` with the reason.
   */
  async enroll(token: unknown, jwk: unknown, ctx: Omit<AuditContext, 'actor'>): Promise<EnrollmentResult> {
    const anonymous = { ...ctx, actor: 'anonymous' };
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
      await this.audit('enrollment.failed', 'failure', null, anonymous, 'malformed enrollment token', {});
      throw new EnrollmentError('grant', 'malformed enrollment token');
    }
    try {
      await validatePublicJwk(jwk);
    } catch (error) {
      const reason = error instanceof AgentError ? error.message : 'invalid jwk';
      await this.audit('enrollment.failed', 'failure', null, anonymous, `invalid key: ${reason}`, {});
      throw new EnrollmentError('request', `invalid key: ${reason}`);
    }

    const consumed = await this.deps.store.consumeEnrollmentToken(hashSecret(token), this.deps.clock.now());
    if (!consumed.ok) {
      const reason = `enrollment token ${consumed.reason}`;
      await this.audit('enrollment.failed', 'failure', consumed.agentId ?? null, anonymous, reason, {});
      throw new EnrollmentError('grant', reason);
    }
    const { agentId } = consumed.record;
    const actor = { ...ctx, actor: `agent:${agentId}` };
    const agent = await this.deps.agentStore.getAgent(agentId);
    const fault = standingFault(agent);
    if (fault !== undefined) {
      const reason = `agent ${fault}`;
      await this.audit('enrollment.failed', 'failure', agentId, actor, reason, { enrollment_token_id: consumed.record.id });
      throw new EnrollmentError('grant', reason);
    }
    let added;
    try {
      // The key, its credential.added record and the agent.enrolled record in one transaction.
      added = await this.deps.agents.addCredential(agentId, { type: 'jwk', jwk }, actor, (credential) => [
        this.record('agent.enrolled', 'success', agentId, actor, null, { enrollment_token_id: consumed.record.id, credential_id: credential.id, kid: credential.kind === 'jwk' ? credential.kid : '' }),
      ]);
    } catch (error) {
      if (!(error instanceof AgentError)) throw error;
      await this.audit('enrollment.failed', 'failure', agentId, actor, `key refused: ${error.message}`, { enrollment_token_id: consumed.record.id });
      throw new EnrollmentError('request', `key refused: ${error.message}`);
    }
    const kid = added.credential.kind === 'jwk' ? added.credential.kid : '';
    return { agentId, credentialId: added.credential.id, kid };
  }

  /**
   * Deletes tokens that expired more than a day ago. The day of grace keeps a late replay
   * reported as `used`/`expired` rather than `unknown` in the audit record.
   */
  pruneExpired(): Promise<number> {
    return this.deps.store.pruneEnrollmentTokens(this.deps.clock.now() - 24 * 60 * 60 * 1000);
  }

  /** A refusal's audit record: nothing changed, so it is written alone. */
  private async audit(
    event: AuditEvent,
    outcome: 'success' | 'failure',
    agentId: string | null,
    ctx: AuditContext,
    reason: string | null,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit.record(this.record(event, outcome, agentId, ctx, reason, details));
  }

  private record(event: AuditEvent, outcome: 'success' | 'failure', agentId: string | null, ctx: AuditContext, reason: string | null, details: Record<string, unknown>): AuditInput {
    return { time: this.deps.clock.now(), event, outcome, agentId, actor: ctx.actor, sourceIp: ctx.sourceIp, reason, requestId: ctx.requestId, details };
  }
}
