/**
 * The page of the agents acting for a person (docs/people.md, "Agents acting for you"): a plain
 * form per agent, no script, every value escaped, in the sign-in pages' frame and stylesheet.
 */
import type { DelegationRecord } from '../store/ports/delegation-store.js';
import { escapeHtml, page } from './people-pages.js';

/** What the page shows of an agent and of the application the person authorized. */
export interface DelegationNames {
  agents: ReadonlyMap<string, string>;
  clients: ReadonlyMap<string, string>;
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

function codes(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : values.map((v) => `<code>${escapeHtml(v)}</code>`).join(' ');
}

/** One agent: who, through which authorization, what it obtained, when; revoke, or revoked. */
function row(d: DelegationRecord, names: DelegationNames, csrf: string): string {
  const agent = names.agents.get(d.agentId) || d.agentId;
  const client = names.clients.get(d.clientId) || d.clientId;
  const action =
    d.revokedAt === null
      ? `<form method="post" action="/account/agents/revoke"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="agent_id" value="${escapeHtml(d.agentId)}"><button type="submit" class="revoke">Revoke</button></form>`
      : `<p class="revoked">Revoked ${escapeHtml(when(d.revokedAt))}. It may act for you again only after you authorize ${escapeHtml(client)} again.</p>`;
  return `<li class="delegation" data-agent-id="${escapeHtml(d.agentId)}"><strong>${escapeHtml(agent)}</strong> <code>${escapeHtml(d.agentId)}</code><br>
Through your authorization of <strong>${escapeHtml(client)}</strong> <code>${escapeHtml(d.clientId)}</code><br>
Scopes ${codes(d.scopes)}; resources ${codes(d.resources)}<br>
First acted ${escapeHtml(when(d.firstUsedAt))}; last ${escapeHtml(when(d.lastUsedAt))}${action}</li>`;
}

/** A person's agents, each with its revoke button. */
export function delegationsPage(delegations: readonly DelegationRecord[], names: DelegationNames, csrf: string, message?: string): string {
  const rows = delegations.map((d) => row(d, names, csrf));
  return page(
    'Agents acting for you',
    `${message === undefined ? '' : `<p class="ok" role="status">${escapeHtml(message)}</p>`}${rows.length === 0 ? '<p id="none">No agent has acted for you.</p>' : `<ul id="delegations">${rows.join('')}</ul>`}<p><a href="/account/consents">Your authorized applications</a> · <a href="/account">Your account</a></p>`,
    { 'csrf-token': csrf },
  );
}
