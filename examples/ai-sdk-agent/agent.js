// A tool-calling agent on the Vercel AI SDK (`ai`): the model decides to call `listOrders`, and
// the tool calls a protected API through agentauth (`agent.fetch`), with a short-lived token for
// that API's resource and scope, never an API key in the prompt, the code or the environment.
//
// Any AI SDK model works (`@ai-sdk/openai`, `@ai-sdk/anthropic`, ...). Run (after `npm run build`):
//   AGENTAUTH_ISSUER=https://auth.example.com AGENTAUTH_ENROLLMENT_TOKEN=$(agentauth agents enroll-token agt_...) \
//   ORDERS_API=https://api.example.com/orders node examples/ai-sdk-agent/agent.js
// Without a model provider configured, it runs with the AI SDK's own mock model (`ai/test`), which
// asks for the tool once, so the whole path (model -> tool -> agentauth -> API) still runs.
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';
import { createAgent, InsufficientScopeError } from '@agentauth/client';
import { fileKeyStore } from '@agentauth/client/node';

/** The tools this agent offers the model; each calls a protected API as `agent`. */
export function ordersTools(agent, ordersApi) {
  return {
    listOrders: tool({
      description: 'List the open orders',
      inputSchema: z.object({ limit: z.number().int().min(1).max(100).optional() }),
      execute: async ({ limit }) => {
        const url = new URL(ordersApi);
        if (limit !== undefined) url.searchParams.set('limit', String(limit));
        try {
          const response = await agent.fetch(url, { scope: 'orders:read' });
          if (!response.ok) return { error: `the orders API answered ${response.status}` };
          return await response.json();
        } catch (error) {
          // Tell the model what is missing rather than failing the whole run.
          if (error instanceof InsufficientScopeError) return { error: `not allowed: needs ${error.requiredScope}` };
          throw error;
        }
      },
    }),
  };
}

/** Runs one prompt with the tools; returns the final text and the tool results. */
export async function runAiAgent({ agent, ordersApi, model, prompt = 'What orders are open?' }) {
  const result = await generateText({ model, tools: ordersTools(agent, ordersApi), stopWhen: stepCountIs(3), prompt });
  return { text: result.text, toolResults: result.steps.flatMap((step) => step.toolResults.map((r) => ({ tool: r.toolName, output: r.output }))) };
}

/** The AI SDK's mock model: first a call of `listOrders`, then a short answer. */
export async function scriptedModel() {
  const { MockLanguageModelV3 } = await import('ai/test');
  const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
  return new MockLanguageModelV3({
    doGenerate: [
      { content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'listOrders', input: JSON.stringify({ limit: 5 }) }], finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] },
      { content: [{ type: 'text', text: 'Here are the open orders.' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] },
    ],
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const agent = await createAgent({
    issuer: env.AGENTAUTH_ISSUER,
    keyStore: fileKeyStore(env.AGENTAUTH_IDENTITY_FILE ?? '.agentauth/ai-agent.json'),
    enrollmentToken: env.AGENTAUTH_ENROLLMENT_TOKEN || undefined,
    resources: { [new URL(env.ORDERS_API).origin]: { scope: 'orders:read' } },
  });
  const result = await runAiAgent({ agent, ordersApi: env.ORDERS_API, model: await scriptedModel() });
  console.log(JSON.stringify(result, null, 2));
}
