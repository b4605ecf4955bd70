import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AgentRecord } from '../store/records.js';
import type { CutoverNotice } from './key-cutover-gate.js';
import { keyDetails, ruleDetails } from './key-cutover-gate.js';

/** One POST to deliver, retried by whoever delivers it (the approvals' `RetryingDelivery`). */
export interface WebhookDelivery {
  deliver(delivery: {
    url: string;
    body: string;
    contentType: string;
    headers: Readonly<Record<string, string>>;
    settled(outcome: { ok: true; attempts: number } | { ok: false; attempts: number; code: string }): Promise<void>;
  }): void;
}

/** What the cut-over webhook needs; `sign` gives the signature header's name and value for a body. */
export interface CutoverWebhookDeps {
  url: string;
  sign: (body: string, unixSeconds: number) => readonly [name: string, value: string];
  delivery: WebhookDelivery;
  agents: { getAgent(id: string): Promise<Pick<AgentRecord, 'id' | 'name' | 'owner'> | undefined> };
  audit: AuditLog;
  clock: Clock;
  random: Random;
  logger: Logger;
}

/**
 * The key owner's webhook (docs/migration.md, "Cutting keys off"): the first use of a key under a
 * warn or block stage is POSTed as JSON that chat tools render (`text`) and programs read
 * (`key_cutover`), signed like the approval webhook (HMAC-SHA256 of `<t>.<body>`), sent through
 * the SSRF guard and retried. Arrival and giving up are audited as `key_cutover.notified` and
 * `key_cutover.notification_failed`, with the receiver's origin only. No key nor digest is sent.
 */
export function cutoverWebhook(deps: CutoverWebhookDeps): (notice: CutoverNotice) => Promise<void> {
  return async (notice) => {
    const agent = await deps.agents.getAgent(notice.use.agentId).catch(() => undefined);
    const now = deps.clock.now();
    const { use, rule, stage } = notice;
    const blockFrom = rule.blockFrom === null ? null : new Date(rule.blockFrom).toISOString();
    const body = JSON.stringify({
      type: `key_cutover.${stage}`,
      id: `evt_${deps.random.token(12)}`,
      time: new Date(now).toISOString(),
      text: summary(notice, agent?.name, blockFrom),
      key_cutover: {
        stage,
        key: { id: use.keyId, kind: use.kind, owner: use.owner },
        agent: agent === undefined ? { id: use.agentId } : { id: agent.id, name: agent.name, owner: agent.owner },
        rule: { id: rule.id, scope: rule.scope, target: rule.target, warn_from: rule.warnFrom === null ? null : new Date(rule.warnFrom).toISOString(), block_from: blockFrom, link: rule.link },
        via: use.via,
        resources: [...use.resources].slice(0, 16),
      },
    });
    const [header, signature] = deps.sign(body, Math.floor(now / 1000));
    deps.delivery.deliver({
      url: deps.url,
      body,
      contentType: 'application/json',
      headers: { [header]: signature },
      settled: async (outcome) => {
        if (!outcome.ok) deps.logger.warn({ key: use.keyId, code: outcome.code, attempts: outcome.attempts }, 'key cut-over webhook failed');
        await deps.audit
          .record({
            time: deps.clock.now(),
            event: outcome.ok ? 'key_cutover.notified' : 'key_cutover.notification_failed',
            outcome: outcome.ok ? 'success' : 'failure',
            agentId: use.agentId,
            actor: 'system',
            sourceIp: null,
            reason: outcome.ok ? null : `webhook: ${outcome.code}`,
            requestId: null,
            details: { ...keyDetails(use), ...ruleDetails(rule), stage, owner: use.owner, attempts: outcome.attempts, origin: new URL(deps.url).origin },
          })
          .catch((error: unknown) => deps.logger.error({ err: error }, 'auditing a key cut-over webhook failed'));
      },
    });
  };
}

/** Chat markup (`<url|text>`) is escaped in the words an agent's registrant chose. */
function plain(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function summary(notice: CutoverNotice, agentName: string | undefined, blockFrom: string | null): string {
  const who = `${notice.use.kind} key ${notice.use.keyId} of ${plain(agentName ?? notice.use.agentId)} (owner ${plain(notice.use.owner)})`;
  const more = notice.rule.link === null ? '' : ` How to move: ${notice.rule.link}`;
  if (notice.stage === 'block') return `Blocked: ${who} was refused by the key cut-over (${notice.rule.scope} ${plain(notice.rule.target)}).${more}`;
  return `Warning: ${who} is still in use and ${blockFrom === null ? 'is deprecated' : `will be refused from ${blockFrom}`}.${more}`;
}
