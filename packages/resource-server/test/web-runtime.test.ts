import { fileURLToPath } from 'node:url';
import { createContext, runInContext, type Context } from 'node:vm';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../server/test/support/until.js';
import { clientAssertion, createAgent, dpopKeyPair, dpopProof, form, FORM, issueToken, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

/**
 * The main entry runs on Web APIs alone (Deno, Bun, workers): the built package, bundled as a
 * worker's bundler would (platform `neutral`, so no Node.js built-in resolves), run in a V8
 * context holding only Web globals, checks a real DPoP-bound token from the real server and hears
 * a revocation through the Shared Signals feed.
 */

/** The Web platform globals a worker runtime has; nothing of Node.js (`process`, `Buffer`, `require`). */
const WEB_GLOBALS = {
  crypto,
  CryptoKey,
  TextEncoder,
  TextDecoder,
  URL,
  URLSearchParams,
  atob,
  btoa,
  fetch,
  Request,
  Response,
  Headers,
  AbortController,
  AbortSignal,
  DOMException,
  Event,
  EventTarget,
  setTimeout,
  clearTimeout,
  queueMicrotask,
  structuredClone,
};

let server: RealServer;
let agent: TestAgent;
let service: TestAgent;
let bundle: { code: string; metafile: Metafile };
const resource = 'https://orders.example.com';

beforeAll(async () => {
  // The package by its name, as a user imports it: through its exports map to the built dist/
  // (the test run builds it first), and @agentauth/protocol and jose the same way.
  const result = await build({
    stdin: { contents: "export * from '@agentauth/resource-server';", resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' },
    bundle: true,
    platform: 'neutral',
    format: 'iife',
    globalName: 'agentauth',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  bundle = { code: result.outputFiles[0]!.text, metafile: result.metafile };
  server = await startRealServer();
  agent = await createAgent(server.server, { resources: [resource] });
  service = await createAgent(server.server, { name: 'orders-api', scopes: ['agentauth:signals'], resources: [server.issuer] });
});
afterAll(async () => {
  await server?.close();
});

/** A fresh context with the Web globals and the bundle loaded. */
function webContext(): Context {
  const context = createContext({ ...WEB_GLOBALS });
  runInContext(bundle.code, context);
  return context;
}

describe('the main entry on Web APIs alone', () => {
  it('bundles for a neutral platform from the built package, importing nothing of Node.js', () => {
    const inputs = Object.keys(bundle.metafile.inputs);
    // The built entries, wherever the exports map puts them under dist/.
    expect(inputs.some((path) => /packages\/resource-server\/dist\/(.+\/)?index\.m?js$/.test(path))).toBe(true);
    expect(inputs.some((path) => /packages\/protocol\/dist\/(.+\/)?index\.m?js$/.test(path))).toBe(true);
    const imports = Object.values(bundle.metafile.inputs).flatMap((input) => input.imports);
    expect(imports.filter((entry) => entry.external || entry.path.startsWith('node:'))).toEqual([]);
    expect(bundle.code).not.toMatch(/\brequire\(|\bimport\(|from\s*["']node:/);
  });

  it('verifies a DPoP-bound token and its proof through the fetch adapter, in a context with no Node.js globals', async () => {
    const context = webContext();
    expect(runInContext('[typeof process, typeof Buffer, typeof require, typeof global, typeof setImmediate]', context)).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);

    const key = await dpopKeyPair();
    const token = await issueToken(server, agent, { resource, scope: 'orders:read', dpop: await dpopProof(key, { method: 'POST', url: `${server.issuer}/token` }) });
    const url = `${resource}/orders`;
    const proof = await dpopProof(key, { method: 'GET', url, accessToken: token });
    // A proof for this token, signed by another key: the signature check must refuse it.
    const forged = await dpopProof(key, { method: 'GET', url, accessToken: token }, { signWith: (await dpopKeyPair()).privateKey });

    context.input = { issuer: server.issuer, resource, url, token, proof, forged };
    const answers = (await runInContext(
      `(async () => {
        const { createResourceServer, requireScopes, withAgentAuth } = agentauth;
        const rs = createResourceServer({ issuer: input.issuer, resource: input.resource, revocation: 'off' });
        const handle = withAgentAuth(rs, (request, principal) => Response.json({ agent: principal.agentId, binding: principal.binding }), { checks: [requireScopes('orders:read')] });
        const send = async (dpop) => {
          const response = await handle(new Request(input.url, { headers: { authorization: 'DPoP ' + input.token, dpop } }));
          return { status: response.status, body: await response.text(), challenge: response.headers.get('www-authenticate') };
        };
        return JSON.stringify([await send(input.proof), await send(input.forged)]);
      })()`,
      context,
    )) as string;
    const [accepted, refused] = JSON.parse(answers) as { status: number; body: string; challenge: string | null }[];
    expect(accepted).toMatchObject({ status: 200 });
    expect(JSON.parse(accepted!.body)).toEqual({ agent: agent.id, binding: 'dpop' });
    expect(refused).toMatchObject({ status: 401 });
    expect(refused!.challenge).toContain('error="invalid_dpop_proof"');
  });

  it('asks the AuthZEN PDP through the fetch adapter\'s authorize option, in the same context', async () => {
    const context = webContext();
    const pep = await createAgent(server.server, { name: 'orders-pep', scopes: ['agentauth:authorize'] });
    await server.server.deps.policies.service.apply(
      { source: '@id("issuance")\npermit (principal, action in [Action::"issue_token", Action::"register_agent"], resource);\n@id("orders")\npermit (principal, action == Action::"call_api", resource) when { resource.id == "o-1" };', replace: true },
      { actor: 'admin:bootstrap', sourceIp: null, requestId: null },
      null,
    );
    const token = await issueToken(server, agent, { resource, scope: 'orders:read' });
    context.input = { issuer: server.issuer, resource, token, pep: { clientId: pep.id, privateKey: pep.privateKey, alg: 'ES256', kid: pep.kid } };
    context.serverNow = () => server.clock.now();
    const statuses = (await runInContext(
      `(async () => {
        const { createResourceServer, withAgentAuth } = agentauth;
        const rs = createResourceServer({ issuer: input.issuer, resource: input.resource, revocation: 'off', now: serverNow, authorization: { credentials: input.pep } });
        const handle = withAgentAuth(rs, () => new Response('ok'), { authorize: { action: 'read', resource: (request) => ({ type: 'order', id: new URL(request.url).pathname.split('/').pop() }) } });
        const send = async (id) => (await handle(new Request(input.resource + '/orders/' + id, { headers: { authorization: 'Bearer ' + input.token } }))).status;
        return JSON.stringify([await send('o-1'), await send('o-2')]);
      })()`,
      context,
    )) as string;
    expect(JSON.parse(statuses)).toEqual([200, 403]);
  });

  it('follows the signals feed over fetch and refuses a token once it is revoked, in the same context', async () => {
    const context = webContext();
    const token = await issueToken(server, agent, { resource, scope: 'orders:read' });
    context.input = { issuer: server.issuer, resource, token, service: { clientId: service.id, privateKey: service.privateKey, alg: 'ES256', kid: service.kid } };
    // The feed reads the server's frozen clock, as its client assertions must.
    context.serverNow = () => server.clock.now();
    await runInContext(
      `(async () => {
        const { createResourceServer, createSignalsFeed } = agentauth;
        globalThis.feed = createSignalsFeed({ issuer: input.issuer, credentials: input.service, now: serverNow });
        await feed.start();
        const rs = createResourceServer({ issuer: input.issuer, resource: input.resource, revocation: feed });
        globalThis.status = async () => {
          try {
            await rs.verifyRequest(new Request(input.resource + '/orders', { headers: { authorization: 'Bearer ' + input.token } }));
            return 'accepted';
          } catch (error) {
            return error.code;
          }
        };
      })()`,
      context,
    );
    try {
      const status = () => runInContext('status()', context) as Promise<string>;
      expect(await status()).toBe('accepted');
      const assertion = await clientAssertion(agent, server.clock.now(), { claims: { aud: server.issuer } });
      const revoked = await fetch(`${server.issuer}/revoke`, {
        method: 'POST',
        headers: FORM,
        body: form({ token, client_id: agent.id, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
      });
      expect(revoked.status).toBe(200);
      await until(async () => (await status()) === 'ERR_TOKEN_REVOKED');
    } finally {
      await runInContext('feed.close()', context);
    }
  });
});
