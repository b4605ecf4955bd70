/**
 * @agentauth/client/langchain: LangChain.js tools (`@langchain/core`, an optional peer
 * dependency) that call APIs as the agent, each with its own resource and scope.
 */
export { agentTool, type AgentToolOptions, type ToolFetch, type ToolInput } from './langchain-tool.js';
