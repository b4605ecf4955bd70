import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../cli/test/helpers/server-process.js';
import { startReadmeSession, type ReadmeSession } from './helpers/readme-session.js';
// @ts-expect-error: the examples are plain JavaScript, without declarations.
import { ORDERS } from '../../../examples/orders-api/server.js';
// @ts-expect-error: plain JavaScript.
import { ORDERS as LANGCHAIN_ORDERS } from '../../../examples/langchain-agent/orders-api.js';

/**
 * Every example's README "Run it" section, command by command as written, in one shell against a
 * real agentauth server process: `npx agentauth` registers the agents, the README starts the
 * service in the background, and the example runs. Only the ports and the ids a reader copies from
 * the output are filled in. Step 1 (`npm ci && npm start`) is what the root README's walkthrough
 * test runs on a fresh clone; here the server is started in its place.
 */

const ORDERS_API = 'http://127.0.0.1:3001';
const MCP_SERVER = 'http://127.0.0.1:3000';
const LANGCHAIN_API = 'http://127.0.0.1:4000';
const ORDERS_READY = /orders API on http:\S+\/orders \(revocation: signals feed\)/;
const MCP_READY = /MCP server on http:\S+\/mcp/;
const LANGCHAIN_READY = /orders API on http:\S+\/orders \(revocation: off\)/;
// Starting a server process and a dozen commands, on a loaded machine.
const STEP_TIMEOUT = 120_000;

/** The session of one README, started before its steps and stopped after them. */
function readmeSession(readme: string, services: string[], steps: number): () => ReadmeSession {
  let session: ReadmeSession | undefined;
  beforeAll(async () => {
    session = await startReadmeSession(readme, services);
  }, STEP_TIMEOUT);
  afterAll(async () => {
    await session?.close();
  }, STEP_TIMEOUT);
  it('starts with `npm ci && npm start`, in numbered steps', () => {
    expect(session!.blocks.map((block) => block.step)).toEqual(Array.from({ length: steps }, (_, i) => expect.stringMatching(new RegExp(`^\\*\\*${i + 1}\\.`))));
    expect(session!.blocks[0]!.commands).toEqual(['npm ci && npm start']);
  });
  return () => session!;
}

/** Registers a service's own agent (step 2) and starts the service in the background (step 3). */
async function startService(session: ReadmeSession, ready: RegExp): Promise<void> {
  const [, created] = await session.step(2);
  expect(created!.stdout).toMatch(/^scopes:\s+agentauth:signals$/m);
  await session.step(3, ready);
}

describe('examples/orders-api/README.md', () => {
  const session = readmeSession('examples/orders-api/README.md', [ORDERS_API], 7);

  it('refuses a call without a token with 401 and RFC 9728 metadata, serves one with orders:read, and refuses it once the agent is suspended', async () => {
    const s = session();
    await startService(s, ORDERS_READY);
    const api = s.urls[ORDERS_API]!;

    const [unauthenticated, metadata] = await s.step(4);
    expect(unauthenticated!.stdout).toMatch(/^HTTP\/1\.1 401 /);
    expect(unauthenticated!.stdout).toContain(`resource_metadata="${api}/.well-known/oauth-protected-resource"`);
    expect(JSON.parse(metadata!.stdout)).toMatchObject({ resource: api, authorization_servers: [s.server.url], scopes_supported: ['orders:read'] });

    const [, , served] = await s.step(5);
    expect(served!.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(served!.stdout.split(/\r?\n\r?\n/).at(-1)!)).toEqual(ORDERS);

    const [suspended, afterSuspension] = await s.step(6);
    expect(suspended!.stdout).toContain('suspended');
    // The README says "within about a second": the feed, not this test, decides when.
    const isRefused = (result: { stdout: string }) => /^HTTP\/1\.1 401 /.test(result.stdout);
    const refused = isRefused(afterSuspension!) ? afterSuspension! : await s.runUntil(s.blocks[5]!.commands[1]!, isRefused);
    expect(refused.stdout).toMatch(/^HTTP\/1\.1 401 /);
    expect(refused.stdout).toContain('error="invalid_token"');

    await s.step(7);
    expect((await s.run('wait; curl -s -o /dev/null -w "%{http_code}" ' + `${api}/orders`)).stdout).toBe('000');
  }, STEP_TIMEOUT);
});

describe('examples/agent-script/README.md', () => {
  const session = readmeSession('examples/agent-script/README.md', [ORDERS_API], 7);

  it('enrols on the first run and prints the orders; the second run does not enrol again', async () => {
    const s = session();
    await startService(s, ORDERS_READY);
    await s.step(4);
    const agentId = s.agentId;

    const [first] = await s.step(5);
    expect(JSON.parse(first!.stdout)).toEqual({ clientId: agentId, status: 200, body: ORDERS });
    expect(statSync(join(s.dir, '.agentauth/agent.json')).mode & 0o777).toBe(0o600);

    // The token of step 4 is still in the environment and already spent: a second enrolment would fail.
    const [second, audit] = await s.step(6);
    expect(JSON.parse(second!.stdout)).toEqual({ clientId: agentId, status: 200, body: ORDERS });
    const enrolments = audit!.stdout.split('\n').filter((line) => line.includes('agent.enrolled'));
    expect(enrolments).toHaveLength(1);
    expect(enrolments[0]).toContain(`${agentId} (order-script)`);

    await s.step(7);
  }, STEP_TIMEOUT);
});

describe('examples/ai-sdk-agent/README.md', () => {
  const session = readmeSession('examples/ai-sdk-agent/README.md', [ORDERS_API], 6);

  it("says which model it uses: a provider's key without its package is refused with the npm install to run, before enrolling; no key runs the mock model through agentauth to the API", async () => {
    const s = session();
    await startService(s, ORDERS_READY);
    await s.step(4);
    const run = s.blocks[4]!.commands[0]!;

    for (const [key, name, packageName] of [
      ['OPENAI_API_KEY', 'OpenAI', '@ai-sdk/openai'],
      ['ANTHROPIC_API_KEY', 'Anthropic', '@ai-sdk/anthropic'],
    ] as const) {
      const result = await s.run(`${key}=test-key ${run}`);
      if (existsSync(join(ROOT, 'node_modules', packageName, 'package.json'))) {
        // Installed by hand (README, "With a real model"): the provider is taken, and the fake key refused by it.
        expect(result.stderr).toContain(`model: ${name} `);
      } else {
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(`${key} is set, but ${packageName} is not installed: run \`npm install --no-save ${packageName}@3\``);
      }
    }

    // The enrolment token of step 4 was not spent above: this first real run enrols with it.
    const [mock] = await s.step(5);
    expect(mock!.stderr).toContain("ai-sdk-agent: model: the AI SDK's mock model");
    expect(JSON.parse(mock!.stdout)).toEqual({ text: 'Here are the open orders.', toolResults: [{ tool: 'listOrders', output: ORDERS }] });

    await s.step(6);
  }, STEP_TIMEOUT);
});

describe('examples/mcp-server/README.md', () => {
  const session = readmeSession('examples/mcp-server/README.md', [MCP_SERVER], 5);

  it('answers an MCP request without a token with 401 and the metadata naming agentauth', async () => {
    const s = session();
    await startService(s, MCP_READY);
    const mcp = `${s.urls[MCP_SERVER]}/mcp`;
    const [unauthenticated, metadata] = await s.step(4);
    expect(unauthenticated!.stdout).toMatch(/^HTTP\/1\.1 401 /);
    expect(unauthenticated!.stdout).toContain(`resource_metadata="${s.urls[MCP_SERVER]}/.well-known/oauth-protected-resource/mcp"`);
    expect(JSON.parse(metadata!.stdout)).toMatchObject({ resource: mcp, authorization_servers: [s.server.url] });
    await s.step(5);
  }, STEP_TIMEOUT);
});

describe('examples/mcp-client/README.md', () => {
  const session = readmeSession('examples/mcp-client/README.md', [MCP_SERVER], 7);

  it('lists the MCP server tools and calls one, on the first run (enrolling) and the second (not)', async () => {
    const s = session();
    await startService(s, MCP_READY);
    await s.step(4);
    for (const step of [5, 6]) {
      const [output] = await s.step(step);
      const [toolsLine, ...content] = output!.stdout.split('\n');
      expect(toolsLine!.replace(/^tools: /, '').split(', ').sort()).toEqual(['list_orders', 'whoami']);
      expect(JSON.parse(JSON.parse(content.join('\n'))[0].text)).toEqual([{ id: 'o-1', item: 'widget', quantity: 3 }]);
    }
    expect(statSync(join(s.dir, '.agentauth/mcp-agent.json')).mode & 0o777).toBe(0o600);
    await s.step(7);
  }, STEP_TIMEOUT);
});

describe('examples/langchain-agent/README.md', () => {
  const session = readmeSession('examples/langchain-agent/README.md', [LANGCHAIN_API], 6);

  it('prints the orders and a readable refusal of cancel_order while the agent has orders:read only, and the order cancelled once orders:write is granted', async () => {
    const s = session();
    await s.step(2, LANGCHAIN_READY);
    const [, created] = await s.step(3);
    expect(created!.stdout).toMatch(/^scopes:\s+orders:read$/m);

    const [refused] = await s.step(4);
    expect(JSON.parse(refused!.stdout)).toEqual({
      text: 'I could not cancel order o-1: not allowed: this agent may not obtain scope "orders:write"; ask the operator to grant it',
      toolResults: [
        { tool: 'list_orders', output: LANGCHAIN_ORDERS },
        { tool: 'cancel_order', output: { error: 'invalid_scope', required_scope: 'orders:write', message: expect.stringMatching(/^not allowed: /) } },
      ],
    });
    expect(statSync(join(s.dir, '.agentauth/langchain-agent.json')).mode & 0o777).toBe(0o600);

    // The token of step 3 is still in the environment and already spent: a second enrolment would fail the step.
    const [granted, cancelled] = await s.step(5);
    expect(granted!.stdout).toMatch(/^scopes:\s+orders:read,orders:write$/m);
    expect(JSON.parse(cancelled!.stdout)).toEqual({
      text: 'Order o-1 is cancelled.',
      toolResults: [
        { tool: 'list_orders', output: LANGCHAIN_ORDERS },
        { tool: 'cancel_order', output: { id: 'o-1', status: 'cancelled' } },
      ],
    });

    await s.step(6);
  }, STEP_TIMEOUT);
});
