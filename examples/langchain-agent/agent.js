// A tool-calling agent on LangChain.js: the model decides which tool to call, and each tool calls
// the orders API (./orders-api.js) through agentauth, with a short-lived token for that API and
// that tool's own scope. Uses @agentauth/client/langchain: `agentTool` makes the LangChain tools,
// and turns a refusal for a missing scope into a tool result the model reads.
//
// Without a model provider key it runs with LangChain's own fake chat model (`fakeModel` from
// @langchain/core/testing), which asks for `list_orders`, then `cancel_order`, then answers; so
// the whole path (model -> tool -> agentauth -> API) runs anyway. With OPENAI_API_KEY set (and
// `npm install --no-save @langchain/openai@1`) a real model decides. Commands: README.md beside this file.
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { z } from 'zod';
import { createAgent } from '@agentauth/client';
import { agentTool } from '@agentauth/client/langchain';
import { fileKeyStore } from '@agentauth/client/node';

/** The tools this agent offers the model: each calls the orders API as `agent`, with its own scope. */
export function ordersTools(agent, ordersApi) {
  const resource = new URL(ordersApi).origin;
  return [
    agentTool(agent, {
      name: 'list_orders',
      description: 'List the open orders',
      schema: z.object({ limit: z.number().int().min(1).max(100).optional() }),
      resource,
      scope: 'orders:read',
      call: ({ limit }, fetch) => fetch(`${ordersApi}${limit === undefined ? '' : `?limit=${limit}`}`),
    }),
    agentTool(agent, {
      name: 'cancel_order',
      description: 'Cancel an open order by its id',
      schema: z.object({ id: z.string().min(1) }),
      resource,
      scope: 'orders:write',
      call: ({ id }, fetch) => fetch(`${ordersApi}/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
    }),
  ];
}

/**
 * Runs one prompt: the model's tool calls are run with the tools and their results handed back,
 * until it answers without a tool call (at most `maxSteps` model calls). Returns the answer and
 * every tool result, in order.
 */
export async function runLangChainAgent({ agent, ordersApi, model, prompt = 'What orders are open? Cancel o-1.', maxSteps = 4 }) {
  const tools = ordersTools(agent, ordersApi);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const bound = model.bindTools(tools);
  const messages = [new HumanMessage(prompt)];
  const toolResults = [];
  for (let step = 0; step < maxSteps; step += 1) {
    const reply = await bound.invoke(messages);
    messages.push(reply);
    if (!reply.tool_calls?.length) return { text: reply.text, toolResults };
    for (const call of reply.tool_calls) {
      const tool = byName.get(call.name);
      if (tool === undefined) throw new Error(`the model called an unknown tool: ${call.name}`);
      // Invoked with the whole tool call, a LangChain tool answers with a ToolMessage for it.
      const result = await tool.invoke(call);
      messages.push(result);
      toolResults.push({ tool: call.name, output: parsed(result.content) });
    }
  }
  throw new Error(`no answer after ${maxSteps} model calls`);
}

/** A tool result as the model read it: JSON when it is JSON. */
function parsed(content) {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

/**
 * LangChain's fake chat model: `list_orders`, then `cancel_order` of o-1, then an answer that
 * reads the last tool result, as a model would.
 */
export async function scriptedModel() {
  const { fakeModel } = await import('@langchain/core/testing');
  return fakeModel()
    .respondWithTools([{ name: 'list_orders', args: { limit: 5 }, id: 'call-1' }])
    .respondWithTools([{ name: 'cancel_order', args: { id: 'o-1' }, id: 'call-2' }])
    .respond((messages) => {
      const cancelled = parsed(messages.at(-1).content);
      return new AIMessage(cancelled.error === undefined ? 'Order o-1 is cancelled.' : `I could not cancel order o-1: ${cancelled.message}`);
    });
}

/** A real model when a provider key is set, else {@link scriptedModel}. */
export async function chooseModel(env = process.env) {
  if (!env.OPENAI_API_KEY) return scriptedModel();
  const { ChatOpenAI } = await import('@langchain/openai');
  return new ChatOpenAI({ model: env.OPENAI_MODEL ?? 'gpt-4o-mini' });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  // The model first, so that a missing provider package does not spend the enrolment token.
  const model = await chooseModel(env);
  const agent = await createAgent({
    issuer: env.AGENTAUTH_ISSUER,
    keyStore: fileKeyStore(env.AGENTAUTH_IDENTITY_FILE ?? '.agentauth/langchain-agent.json'),
    enrollmentToken: env.AGENTAUTH_ENROLLMENT_TOKEN || undefined,
    dpop: true,
  });
  const result = await runLangChainAgent({ agent, ordersApi: env.ORDERS_API, model });
  console.log(JSON.stringify(result, null, 2));
}
