import type { RevocationEvent } from '../../../src/events/revocation-events.js';
import { withRawDatabase } from '../../support/raw-database.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, startTestServer, type TestAgent, type TestServer } from '../../support/test-server.js';
import { until } from '../../support/until.js';
import { API, claimsOf, delegated, exchangingAgent, introspect, ownToken, revoke } from './exchange-harness.js';

/**
 * Lineage of exchanged tokens: revoking a token, or suspending an agent anywhere
 * in the chain, makes every token derived from it inactive at once, and announces each on the
 * revocation feed; the admin API shows the chain.
 */
describe.each(BACKENDS)('token exchange lineage and cascade revocation (%s)', (backend) => {
  let t: TestServer;
  let user: TestAgent;
  let copilot: TestAgent;
  let worker: TestAgent;
  let helper: TestAgent;
  let inspector: TestAgent;
  const events: RevocationEvent[] = [];

  beforeAll(async () => {
    t = await startTestServer(backend);
    user = await createAgent(t.server, { name: 'user', scopes: ['orders:read', 'orders:write'], resources: [API] });
    copilot = await exchangingAgent(t, 'copilot', { scopes: ['orders:read', 'orders:write'], resources: [API] });
    worker = await exchangingAgent(t, 'worker', { scopes: ['orders:read'], resources: [API] });
    helper = await exchangingAgent(t, 'helper', { scopes: ['orders:read'], resources: [API] });
    inspector = await createAgent(t.server, { name: 'inspector', scopes: ['agentauth:introspect'] });
    t.server.deps.events.subscribe((event) => events.push(event));
  });
  afterAll(async () => t?.close());

  const active = async (token: string) => (await introspect(t, inspector, token)).active;
  const jti = (token: string) => claimsOf(token).jti;
  /** The cascade runs after the revocation answered; wait for its announcements. */
  async function cascadeAnnounced(tokens: string[]): Promise<void> {
    const wanted = new Set(tokens.map(jti));
    await until(() => {
      const announced = new Set(events.filter((e) => e.kind === 'token_revoked' && e.reason === 'cascade').map((e) => (e as { jti: string }).jti));
      return [...wanted].every((j) => announced.has(j));
    }, 10);
  }
  const admin = (method: 'GET' | 'POST', url: string) => t.server.app.inject({ method, url: `/admin/v1${url}`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });

  /** user -> copilot -> worker -> helper, and a side branch user -> copilot -> helper. */
  async function chain() {
    const root = await ownToken(t, user);
    const hop1 = await delegated(t, copilot, root);
    const hop2 = await delegated(t, worker, hop1);
    const hop3 = await delegated(t, helper, hop2);
    const side = await delegated(t, helper, hop1);
    return { root, hop1, hop2, hop3, side };
  }

  it('revoking the root makes every descendant inactive at once, then revokes and announces each as a cascade', async () => {
    const { root, hop1, hop2, hop3, side } = await chain();
    for (const token of [root, hop1, hop2, hop3, side]) expect(await active(token)).toBe(true);
    await revoke(t, user, root);
    // At once: the very next introspection, before the cascade has run.
    for (const token of [root, hop1, hop2, hop3, side]) expect(await active(token)).toBe(false);
    await cascadeAnnounced([hop1, hop2, hop3, side]);
    for (const token of [hop1, hop2, hop3, side]) expect(await t.server.deps.store.isTokenRevoked(jti(token))).toBe(true);
    const cascaded = events.filter((e) => e.kind === 'token_revoked' && e.reason === 'cascade' && e.jti === jti(hop3));
    expect(cascaded).toEqual([expect.objectContaining({ kind: 'token_revoked', agentId: user.id, reason: 'cascade' })]);
    const audit = await t.server.deps.store.queryAudit({ agentId: helper.id, event: 'access_token.revoked' }, { limit: 100 });
    expect(audit.items.find((r) => r.details['jti'] === jti(hop3))).toMatchObject({ actor: 'system', reason: 'cascade', details: { cascade_from: jti(root) } });
  });

  it('revoking a middle token leaves its ancestors and siblings active', async () => {
    const { root, hop1, hop2, hop3, side } = await chain();
    await revoke(t, copilot, hop1);
    expect(await active(root)).toBe(true);
    for (const token of [hop1, hop2, hop3, side]) expect(await active(token)).toBe(false);
    const other = await delegated(t, copilot, root);
    expect(await active(other)).toBe(true);
  });

  it('suspending a middle agent makes the tokens derived through it inactive at once, and no others', async () => {
    const { root, hop1, hop2, hop3, side } = await chain();
    expect((await admin('POST', `/agents/${worker.id}/suspend`)).statusCode).toBe(200);
    try {
      for (const token of [hop2, hop3]) expect(await active(token)).toBe(false);
      for (const token of [root, hop1, side]) expect(await active(token)).toBe(true);
      await cascadeAnnounced([hop2, hop3]);
    } finally {
      expect((await admin('POST', `/agents/${worker.id}/resume`)).statusCode).toBe(200);
    }
    // Resuming the agent does not bring back what was derived through it while suspended.
    expect(await active(hop3)).toBe(false);
    // Tokens issued in the second of the suspension count as issued before it (iat has seconds).
    t.clock.advance(1_000);
  });

  it('shows the chain of a token: ancestors, itself, descendants, with agents, scope, audience and revocation', async () => {
    const { root, hop1, hop2, hop3 } = await chain();
    const response = await admin('GET', `/tokens/${jti(hop2)}/chain`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.ancestors.map((n: { jti: string }) => n.jti)).toEqual([jti(root), jti(hop1)]);
    expect(body.token).toMatchObject({
      jti: jti(hop2),
      parent_jti: jti(hop1),
      sub: user.id,
      client_id: worker.id,
      scope: 'orders:read',
      aud: [API],
      act: { sub: worker.id, act: { sub: copilot.id } },
      revoked: false,
      task_id: null,
    });
    expect(body.token.expires_at).toBe(new Date(claimsOf(hop2).exp * 1000).toISOString());
    expect(body.descendants).toEqual([expect.objectContaining({ jti: jti(hop3), parent_jti: jti(hop2), client_id: helper.id })]);
    expect(body.ancestors[0]).toMatchObject({ sub: user.id, client_id: user.id, parent_jti: null, act: null, scope: 'orders:read orders:write' });
    expect(body.truncated).toBe(false);
    expect((await admin('GET', '/tokens/unknown-jti/chain')).json().code).toBe('not_found');
  });

  it('revokes a token through the admin API, cascading to what was exchanged from it', async () => {
    const { root, hop1, hop2, hop3 } = await chain();
    const response = await admin('POST', `/tokens/${jti(hop1)}/revoke`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ jti: jti(hop1), revoked: true });
    for (const token of [hop1, hop2, hop3]) expect(await active(token)).toBe(false);
    expect(await active(root)).toBe(true);
    await cascadeAnnounced([hop2, hop3]);
    const chainView = (await admin('GET', `/tokens/${jti(hop1)}/chain`)).json();
    expect(chainView.token.revoked).toBe(true);
    expect(chainView.descendants.every((n: { revoked: boolean }) => n.revoked)).toBe(true);
  });

  it('accepts a token whose record keeps no digest (issued before 0010) or a wrong one, by its signature, and refuses a forgery either way', async () => {
    const root = await ownToken(t, user);
    const setDigest = (token: string, digest: string | null) =>
      withRawDatabase(t.server.deps.config, (db) => db.updateTable('issued_tokens').set({ token_digest: digest }).where('jti', '=', jti(token)).execute());
    for (const digest of [null, 'A'.repeat(43)]) {
      await setDigest(root, digest);
      expect(await active(root)).toBe(true);
      const hop = await delegated(t, copilot, root);
      expect(claimsOf(hop)).toMatchObject({ sub: user.id, act: { sub: copilot.id } });
      // The same claims with another signature: the record cannot vouch for it, the signature fails.
      const [header, payload] = root.split('.');
      const forged = `${header}.${payload}.${Buffer.alloc(64, 1).toString('base64url')}`;
      expect(await active(forged)).toBe(false);
    }
  });
});
