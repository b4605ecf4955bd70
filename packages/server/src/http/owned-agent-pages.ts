/**
 * The page of a person's own agents (docs/people.md, "Your agents"): a plain form per action, no
 * script, every value escaped, in the sign-in pages' frame and stylesheet.
 */
import type { AgentRecord } from '../store/records.js';
import { escapeHtml, page } from './people-pages.js';

function when(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

function labels(values: Readonly<Record<string, string>>): string {
  const entries = Object.entries(values);
  return entries.length === 0 ? '(none)' : entries.map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v)}</code>`).join(' ');
}

function button(action: 'suspend' | 'resume', agentId: string, csrf: string): string {
  const label = action === 'suspend' ? 'Suspend' : 'Resume';
  return `<form method="post" action="/account/owned-agents/${action}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="agent_id" value="${escapeHtml(agentId)}"><button type="submit" class="${action}">${label}</button></form>`;
}

/** One agent: name, id, status, last seen, labels, and what the owner may do with it now. */
function row(agent: AgentRecord, csrf: string): string {
  const action = agent.status === 'active' ? button('suspend', agent.id, csrf) : agent.status === 'suspended' ? button('resume', agent.id, csrf) : '<p class="disabled">Disabled: only an administrator can change it.</p>';
  return `<li class="owned-agent" data-agent-id="${escapeHtml(agent.id)}"><strong>${escapeHtml(agent.name)}</strong> <code>${escapeHtml(agent.id)}</code><br>
Status <strong class="status">${escapeHtml(agent.status)}</strong>; owner <code>${escapeHtml(agent.owner)}</code>; last seen ${escapeHtml(when(agent.lastSeenAt))}<br>
Labels ${labels(agent.labels)}${action}</li>`;
}

/** A person's agents, each with its suspend or resume button; `message` says what the last action did. */
export function ownedAgentsPage(agents: readonly AgentRecord[], csrf: string, message?: { text: string; ok: boolean }): string {
  const notice = message === undefined ? '' : message.ok ? `<p class="ok" role="status">${escapeHtml(message.text)}</p>` : `<p class="error" role="alert">${escapeHtml(message.text)}</p>`;
  return page(
    'Your agents',
    `${notice}<p>Suspending an agent makes every token it holds inactive at once; resuming it lets it obtain new ones.</p>${agents.length === 0 ? '<p id="none">You own no agent.</p>' : `<ul id="owned-agents">${agents.map((a) => row(a, csrf)).join('')}</ul>`}<p><a href="/account/agents">Agents acting for you</a> · <a href="/account">Your account</a></p>`,
    { 'csrf-token': csrf },
  );
}
