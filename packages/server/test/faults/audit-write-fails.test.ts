import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withRawDatabase } from '../support/raw-database.js';
import { assemble, buildCsr, pem } from '../support/csr-builder.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, FORM, form, startTestServer, type TestServer } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

/**
 * Makes every write to the audit log fail inside the database, as a full disk would: the insert
 * is refused by SQLite itself, whichever connection or thread makes it.
 */
async function refuseAuditWrites(t: TestServer, refuse: boolean): Promise<void> {
  await withRawDatabase({ databaseUrl: undefined, dataDir: t.server.deps.config.dataDir }, async (db) => {
    if (refuse) await sql.raw("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END").execute(db);
    else await sql.raw('DROP TRIGGER refuse_audit').execute(db);
  });
}

async function admin(t: TestServer, method: 'GET' | 'POST', url: string, payload?: object) {
  const response = await t.server.app.inject({ method, url: `/admin/v1${url}`, headers: ADMIN, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

async function auditEvents(t: TestServer, prefix: string): Promise<string[]> {
  const records = await t.server.deps.store.readAuditRange(1, 10_000);
  return records.filter((r) => r.event.startsWith(prefix)).map((r) => `${r.event} ${JSON.stringify(r.details)}`);
}

describe('a state change whose audit record cannot be written does not happen', () => {
  let t: TestServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await t?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    t = dir = undefined;
  });

  it('POST /admin/v1/keys/rotate answers 500 and the keys, the signer and the JWKS stay as they were', async () => {
    t = await startTestServer('sqlite');
    const keys = await admin(t, 'GET', '/keys');
    const signer = t.server.deps.keys.signer().kid;
    const jwks = t.server.deps.keys.jwks();
    const records = await auditEvents(t, 'signing_key.');

    await refuseAuditWrites(t, true);
    const rotation = await admin(t, 'POST', '/keys/rotate', { force: true });
    expect(rotation.status).toBe(500);
    expect(rotation.body['code']).toBe('internal_error');
    expect(await admin(t, 'GET', '/keys')).toEqual(keys);
    expect(t.server.deps.keys.signer().kid).toBe(signer);
    expect(t.server.deps.keys.jwks()).toEqual(jwks);

    // Once the log can be written again, the same rotation happens, with its records.
    await refuseAuditWrites(t, false);
    expect(await auditEvents(t, 'signing_key.')).toEqual(records);
    const retried = await admin(t, 'POST', '/keys/rotate', { force: true });
    expect(retried.status).toBe(200);
    expect(retried.body['active_kid']).not.toBe(signer);
    expect((await auditEvents(t, 'signing_key.rotated')).some((r) => r.includes(String(retried.body['active_kid'])))).toBe(true);
  });

  it('POST /admin/v1/ca/rotate answers 500 and the issuing CA stays the active one', async () => {
    t = await startTestServer('sqlite');
    const before = await admin(t, 'GET', '/ca');
    const active = t.server.ca.activeId();
    const stored = await t.server.deps.store.listAuthorities();
    const records = await auditEvents(t, 'ca.');

    await refuseAuditWrites(t, true);
    const rotation = await admin(t, 'POST', '/ca/rotate');
    expect(rotation.status).toBe(500);
    expect(rotation.body['code']).toBe('internal_error');
    // What this node shows and what every node (and the next start) reads: both unchanged.
    expect(await admin(t, 'GET', '/ca')).toEqual(before);
    expect(t.server.ca.activeId()).toBe(active);
    expect(await t.server.deps.store.listAuthorities()).toEqual(stored);

    await refuseAuditWrites(t, false);
    expect(await auditEvents(t, 'ca.')).toEqual(records);
    expect((await admin(t, 'POST', '/ca/rotate')).status).toBe(200);
    const next = t.server.ca.activeId();
    expect(next).not.toBe(active);
    expect((await auditEvents(t, 'ca.rotated')).some((r) => r.includes(String(next)))).toBe(true);
  });

  it('POST /admin/v1/ca/import answers 500 and imports nothing', async () => {
    // Made before the server starts: its frozen clock must not stand before the root's notBefore.
    dir = await mkdtemp(join(tmpdir(), 'agentauth-import-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-subj', '/O=Corp/CN=corp-root', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { cwd: dir, stdio: 'pipe' });
    const payload = { certificate: await readFile(join(dir, 'root.pem'), 'utf8'), private_key: await readFile(join(dir, 'root.key'), 'utf8') };
    t = await startTestServer('sqlite');
    const before = await admin(t, 'GET', '/ca');
    const stored = await t.server.deps.store.listAuthorities();
    const records = await auditEvents(t, 'ca.');

    await refuseAuditWrites(t, true);
    const imported = await admin(t, 'POST', '/ca/import', payload);
    expect(imported.status).toBe(500);
    expect(await admin(t, 'GET', '/ca')).toEqual(before);
    expect(await t.server.deps.store.listAuthorities()).toEqual(stored);

    await refuseAuditWrites(t, false);
    expect(await auditEvents(t, 'ca.')).toEqual(records);
    expect((await admin(t, 'POST', '/ca/import', payload)).status).toBe(200);
    expect(await auditEvents(t, 'ca.imported')).toHaveLength(1);
  });

  it('POST /admin/v1/agents answers 500 and registers no agent', async () => {
    t = await startTestServer('sqlite');
    await refuseAuditWrites(t, true);
    const registration = await admin(t, 'POST', '/agents', { name: 'unrecorded', owner: 'team-faults', scopes: ['orders:read'], token_endpoint_auth_method: 'client_secret_basic' });
    expect(registration.status).toBe(500);
    expect(await admin(t, 'GET', '/agents')).toMatchObject({ status: 200, body: { items: [] } });
    await refuseAuditWrites(t, false);
    expect(await auditEvents(t, 'agent.')).toEqual([]);
  });

  it('suspending, changing and deleting an agent answer 500 and leave it as it was', async () => {
    t = await startTestServer('sqlite');
    const agent = await createAgent(t.server);
    const before = await admin(t, 'GET', `/agents/${agent.id}`);
    await refuseAuditWrites(t, true);
    expect((await admin(t, 'POST', `/agents/${agent.id}/suspend`)).status).toBe(500);
    expect((await t.server.app.inject({ method: 'PATCH', url: `/admin/v1/agents/${agent.id}`, headers: ADMIN, payload: { name: 'renamed' } })).statusCode).toBe(500);
    expect((await t.server.app.inject({ method: 'DELETE', url: `/admin/v1/agents/${agent.id}`, headers: ADMIN })).statusCode).toBe(500);
    expect(await admin(t, 'GET', `/agents/${agent.id}`)).toEqual(before);
    await refuseAuditWrites(t, false);
    expect(await auditEvents(t, 'agent.')).toHaveLength(1);
  });

  it('revoking a token (RFC 7009 and admin) answers 500 and leaves it active', async () => {
    t = await startTestServer('sqlite');
    const server = t.server;
    const agent = await createAgent(server);
    const assertion = async () => clientAssertion(agent, t!.clock.now());
    const issued = await server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'client_credentials', scope: 'orders:read', client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion() }) });
    const token = (issued.json() as { access_token: string }).access_token;
    const jti = (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { jti: string }).jti;

    await refuseAuditWrites(t, true);
    const revoked = await server.app.inject({ method: 'POST', url: '/revoke', headers: FORM, payload: form({ token, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion() }) });
    expect(revoked.statusCode).toBe(500);
    expect(revoked.json()).toMatchObject({ error: 'server_error' });
    expect((await admin(t, 'POST', `/tokens/${jti}/revoke`)).status).toBe(500);
    expect(await server.deps.store.isTokenRevoked(jti)).toBe(false);

    await refuseAuditWrites(t, false);
    expect(await auditEvents(t, 'access_token.revoked')).toEqual([]);
  });

  it('revoking a certificate answers 500 and leaves it valid', async () => {
    t = await startTestServer('sqlite');
    const agent = await createAgent(t.server);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const issued = await t.server.ca.issueForAgent(agent.id, pem(assemble(buildCsr(privateKey, publicKey))));
    await refuseAuditWrites(t, true);
    expect((await admin(t, 'POST', `/certificates/${issued.serial}/revoke`)).status).toBe(500);
    expect((await t.server.deps.store.getCertificate(issued.serial))?.revokedAt).toBeNull();
    await refuseAuditWrites(t, false);
    expect(await auditEvents(t, 'certificate.revoked')).toEqual([]);
  });

  it('trusting an issuer answers 500 and trusts nothing', async () => {
    t = await startTestServer('sqlite');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }] };
    await refuseAuditWrites(t, true);
    const created = await admin(t, 'POST', '/trusted-issuers', { issuer: 'https://cluster.example', audiences: ['http://127.0.0.1:8080'], jwks, algorithms: ['ES256'] });
    expect(created.status).toBe(500);
    expect(await admin(t, 'GET', '/trusted-issuers')).toEqual({ status: 200, body: { items: [] } });
  });

  it('creating an enrolment token answers 500 and stores no token', async () => {
    t = await startTestServer('sqlite');
    const agent = await createAgent(t.server);
    await refuseAuditWrites(t, true);
    const created = await admin(t, 'POST', `/agents/${agent.id}/enrollment-tokens`, {});
    expect(created.status).toBe(500);
    await refuseAuditWrites(t, false);
    expect(await auditEvents(t, 'enrollment_token.')).toEqual([]);
    const tokens = await withRawDatabase({ databaseUrl: undefined, dataDir: t.server.deps.config.dataDir }, (db) => db.selectFrom('enrollment_tokens').select('id').execute());
    expect(tokens).toEqual([]);
  });
});

