import { ToolMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort } from '../../cli/test/helpers/server-process.js';
import { createAgent, memoryKeyStore, type Agent } from '../src/index.js';
import { agentTool } from '../src/langchain.js';
import { countingFetch, startAgentAuth, type AgentAuthProcess } from './helpers/agentauth-process.js';
// @ts-expect-error: the examples are plain JavaScript, without declarations.
import { ORDERS, startOrdersApi } from '../../../examples/langchain-agent/orders-api.js';
// @ts-expect-error: plain JavaScript.
import { runLangChainAgent, scriptedModel } from '../../../examples/langchain-agent/agent.js';

/**
 * @agentauth/client/langchain end to end: real LangChain tools and LangChain's fake chat model
 * (the model's tool calls are scripted, everything after them is real), a real agentauth server
 * process, and the example's orders API (node:http with @agentauth/resource-server).
 */

interface ApiCall {
  method: string;
  path: string;
  status: number;
  agentId: string | undefined;
  binding: string | undefined;
  jkt: string | undefined;
}

let server: AgentAuthProcess;
let api: { close(): Promise<void>; calls: ApiCall[] };
let ordersApi: string;
let origin: string;

beforeAll(async () => {
  server = await startAgentAuth();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  ordersApi = `${origin}/orders`;
  api = (await startOrdersApi({ issuer: server.issuer, resource: origin, port, revocation: 'off' })) as typeof api;
});
afterAll(async () => {
  await api?.close();
  await server?.close();
});

async function agentAllowed(scopes: string[], fetch: typeof globalThis.fetch = globalThis.fetch, resources = [origin]): Promise<Agent> {
  const agentId = await server.createAgent({ resources, scopes });
  return createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(agentId), dpop: true, fetch });
}

describe('examples/langchain-agent with agentTool', () => {
  it("runs the model's tool calls against the API with DPoP-bound tokens, and tells the model what scope it lacks", async () => {
    const agent = await agentAllowed(['orders:read']);
    const model = await scriptedModel();
    const before = api.calls.length;
    const result = (await runLangChainAgent({ agent, ordersApi, model })) as { text: string; toolResults: { tool: string; output: unknown }[] };

    expect(result.toolResults).toEqual([
      { tool: 'list_orders', output: ORDERS },
      { tool: 'cancel_order', output: { error: 'invalid_scope', required_scope: 'orders:write', message: expect.stringContaining('orders:write') } },
    ]);
    expect(result.text).toBe('I could not cancel order o-1: not allowed: this agent may not obtain scope "orders:write"; ask the operator to grant it');
    // The API saw this agent's token, bound to its DPoP key; the refused tool never reached it.
    expect(api.calls.slice(before)).toEqual([{ method: 'GET', path: '/orders', status: 200, agentId: agent.clientId, binding: 'dpop', jkt: agent.dpopThumbprint }]);
    // The model's last turn read both results as tool messages.
    const lastTurn = (model as { calls: { messages: unknown[] }[] }).calls.at(-1)!.messages.filter((m): m is ToolMessage => m instanceof ToolMessage);
    expect(lastTurn.map((m) => m.tool_call_id)).toEqual(['call-1', 'call-2']);
    expect(lastTurn[1]!.content).toContain('not allowed');
  });

  it('asks for each tool\'s own scope: a token for the read tool never carries the write scope', async () => {
    const fetches = countingFetch();
    const agent = await agentAllowed(['orders:read', 'orders:write'], fetches.fetch);
    const result = (await runLangChainAgent({ agent, ordersApi, model: await scriptedModel() })) as { text: string; toolResults: { tool: string; output: unknown }[] };
    expect(result.text).toBe('Order o-1 is cancelled.');
    expect(result.toolResults).toEqual([
      { tool: 'list_orders', output: ORDERS },
      { tool: 'cancel_order', output: { id: 'o-1', status: 'cancelled' } },
    ]);
    expect(fetches.count('/token')).toBe(2);
    expect((await agent.getToken({ resource: origin, scope: 'orders:read' })).scope).toBe('orders:read');
  });
});

describe('agentTool', () => {
  it("turns the API's 403 insufficient_scope into a tool result naming the scope the API needs", async () => {
    const agent = await agentAllowed(['orders:read', 'orders:write']);
    // A tool that asks for too little for what it calls: the API itself refuses the token.
    const cancel = agentTool(agent, {
      name: 'cancel_order',
      description: 'Cancel an order',
      schema: z.object({ id: z.string() }),
      resource: origin,
      scope: 'orders:read',
      call: ({ id }, fetch) => fetch(`${ordersApi}/${id}/cancel`, { method: 'POST' }),
    });
    const before = api.calls.length;
    const message = (await cancel.invoke({ name: 'cancel_order', args: { id: 'o-1' }, id: 'call-9', type: 'tool_call' })) as ToolMessage;
    expect(message).toBeInstanceOf(ToolMessage);
    expect(JSON.parse(message.content as string)).toEqual({ error: 'insufficient_scope', required_scope: 'orders:write', message: expect.stringContaining('"orders:write"') });
    expect(api.calls.slice(before)).toEqual([{ method: 'POST', path: '/orders/o-1/cancel', status: 403, agentId: undefined, binding: undefined, jkt: undefined }]);
  });

  it('hands a fake model a tool result for a 401 instead of failing the run', async () => {
    // A resource the agent may have but the API does not accept as its audience: every token is refused with 401.
    const agent = await agentAllowed(['orders:read'], globalThis.fetch, [origin, `${origin}/elsewhere`]);
    const tool = agentTool(agent, { name: 'list_orders', description: 'List orders', schema: z.object({}), resource: `${origin}/elsewhere`, scope: 'orders:read', call: (_input, fetch) => fetch(ordersApi) });
    const model = fakeModel().respondWithTools([{ name: 'list_orders', args: {}, id: 'call-1' }]);
    const reply = await model.bindTools([tool]).invoke('list');
    const result = (await tool.invoke(reply.tool_calls![0]!)) as ToolMessage;
    expect(JSON.parse(result.content as string)).toEqual({ error: 'unauthorized', message: 'the API refused this agent (HTTP 401)' });
  });

  it('refuses misuse at once', async () => {
    const agent = await agentAllowed(['orders:read']);
    const base = { name: 'x', description: 'x', schema: z.object({}), call: async () => 'ok' };
    expect(() => agentTool(agent, { ...base, name: '' })).toThrow(TypeError);
    expect(() => agentTool(agent, { ...base, scope: '' })).toThrow(TypeError);
    expect(() => agentTool(agent, { ...base, call: undefined as never })).toThrow(TypeError);
  });
});
