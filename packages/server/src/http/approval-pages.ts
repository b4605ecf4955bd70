/**
 * The approval pages (docs/approvals.md, "The approval page"): plain forms, no script, every value
 * escaped, in the sign-in pages' frame and stylesheet.
 */
import type { PendingApproval } from '../approvals/approval-service.js';
import { escapeHtml, page } from './people-pages.js';

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

/** A detail's fields, one per line, `type` first: what exactly the person approves. */
function detailLines(detail: Record<string, unknown>): string {
  const rows = Object.entries(detail).map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd><code>${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</code></dd>`);
  return `<dl class="detail">${rows.join('')}</dl>`;
}

function approvalItem({ approval, agent }: PendingApproval, csrf: string, now: number): string {
  const seconds = Math.max(0, Math.ceil((approval.expiresAt - now) / 1000));
  const who = agent === undefined ? escapeHtml(approval.agentId) : `<strong class="agent-name">${escapeHtml(agent.name)}</strong> (agent <code>${escapeHtml(agent.id)}</code>, owner <code>${escapeHtml(agent.owner)}</code>)`;
  return `<li class="approval" id="approval-${escapeHtml(approval.id)}">
<p>${who} asks you to approve:</p>
${approval.bindingMessage === null ? '' : `<p class="binding-message">Message: <strong>${escapeHtml(approval.bindingMessage)}</strong>. Check that the agent shows the same.</p>`}
<p>Resource <code class="resource">${escapeHtml(approval.resource)}</code>${approval.scopes.length === 0 ? '' : `; scopes <code class="scopes">${escapeHtml(approval.scopes.join(' '))}</code>`}</p>
${approval.authorizationDetails.map((d) => detailLines(d)).join('')}
<p>Expires in ${seconds} seconds${approval.approver.startsWith('group:') ? `; sent to group <code>${escapeHtml(approval.approver.slice(6))}</code>` : ''}.</p>
<form method="post" action="/account/approvals/answer">${hidden('csrf', csrf)}${hidden('id', approval.id)}
<button type="submit" name="answer" value="approve" class="approve">Approve</button>
<label>Reason for a denial <input type="text" name="reason" maxlength="200" class="reason"></label>
<button type="submit" name="answer" value="deny" class="deny">Deny</button></form></li>`;
}

/** The pending approvals a person may answer, each with its approve and deny buttons. */
export function approvalsPage(pending: readonly PendingApproval[], csrf: string, now: number, message?: string): string {
  return page(
    'Approvals',
    `${message === undefined ? '' : `<p class="ok" role="status">${escapeHtml(message)}</p>`}${
      pending.length === 0 ? '<p id="none">Nothing is waiting for your approval.</p>' : `<ul id="approvals">${pending.map((p) => approvalItem(p, csrf, now)).join('')}</ul>`
    }<p><a href="/account">Your account</a></p>`,
    { 'csrf-token': csrf },
  );
}
