// A tool-calling agent on the Vercel AI SDK (`ai`): the model decides to call `listOrders`, and
// the tool calls the orders API through agentauth (`agent.fetch`) with a short-lived token for that
// API, never an API key in the prompt, the code or the environment. With OPENAI_API_KEY or
// ANTHROPIC_API_KEY set it uses that provider's model, else the AI SDK's mock model. How to run
// it, and every command before it: README.md beside this file.
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

/**
 * The providers a key selects, in this order. Their packages are not dependencies of this
 * repository: they are imported only when their key is set, and the README says how to install them.
 */
const PROVIDERS = [
  { name: 'OpenAI', keyVariable: 'OPENAI_API_KEY', packageName: '@ai-sdk/openai', factory: 'openai', defaultModel: 'gpt-4.1-mini' },
  { name: 'Anthropic', keyVariable: 'ANTHROPIC_API_KEY', packageName: '@ai-sdk/anthropic', factory: 'anthropic', defaultModel: 'claude-haiku-4-5' },
];

/** A provider's key is set but its package cannot be loaded; the message says what to install. */
export class MissingProviderError extends Error {}

/**
 * The model to run: the first provider whose key is set in `env` (`AI_MODEL` names another of its
 * models), else the mock model. Returns it with a description for the operator.
 */
export async function chooseModel(env = process.env) {
  const provider = PROVIDERS.find((candidate) => env[candidate.keyVariable]);
  if (provider === undefined) {
    return { model: await scriptedModel(), description: "the AI SDK's mock model (set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real one)" };
  }
  let module;
  try {
    module = await import(provider.packageName);
  } catch (error) {
    // Only the package itself missing; a broken install is reported as it is.
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(`'${provider.packageName}'`)) throw error;
    throw new MissingProviderError(`${provider.keyVariable} is set, but ${provider.packageName} is not installed: run \`npm install --no-save ${provider.packageName}@3\` (or unset ${provider.keyVariable} to use the mock model)`);
  }
  const modelId = env.AI_MODEL || provider.defaultModel;
  return { model: module[provider.factory](modelId), description: `${provider.name} ${modelId} (${provider.keyVariable} is set)` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  // The model first, so that a missing provider package does not spend the enrolment token.
  let chosen;
  try {
    chosen = await chooseModel(env);
  } catch (error) {
    if (!(error instanceof MissingProviderError)) throw error;
    console.error(`ai-sdk-agent: ${error.message}`);
    process.exit(1);
  }
  console.error(`ai-sdk-agent: model: ${chosen.description}`);
  if (!env.AGENTAUTH_ISSUER || !env.ORDERS_API) {
    console.error('ai-sdk-agent: set AGENTAUTH_ISSUER and ORDERS_API: see examples/ai-sdk-agent/README.md');
    process.exit(2);
  }
  const agent = await createAgent({
    issuer: env.AGENTAUTH_ISSUER,
    keyStore: fileKeyStore(env.AGENTAUTH_IDENTITY_FILE ?? '.agentauth/ai-agent.json'),
    enrollmentToken: env.AGENTAUTH_ENROLLMENT_TOKEN || undefined,
    resources: { [new URL(env.ORDERS_API).origin]: { scope: 'orders:read' } },
  });
  const result = await runAiAgent({ agent, ordersApi: env.ORDERS_API, model: chosen.model });
  console.log(JSON.stringify(result, null, 2));
}
