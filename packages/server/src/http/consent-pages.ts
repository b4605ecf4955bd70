/**
 * The pages of the authorization endpoint and of a person's consents (docs/people.md, "Consent"):
 * plain forms, no script, every value escaped, in the sign-in pages' frame and stylesheet.
 */
import type { PublicClient } from '../oauth/authorization/client-metadata-document.js';
import type { ConsentRecord } from '../store/ports/authorization-store.js';
import { escapeHtml, page } from './people-pages.js';

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

function list(items: readonly string[], empty: string): string {
  return items.length === 0 ? `<p>${escapeHtml(empty)}</p>` : `<ul>${items.map((i) => `<li><code>${escapeHtml(i)}</code></li>`).join('')}</ul>`;
}

/**
 * Who is asking: the name the client chose itself, so its id and where it sends you are shown too.
 * A client known by its metadata document is introduced by the host that publishes the document
 * (draft-ietf-oauth-client-id-metadata-document §6.1: the one fact the client cannot choose), its
 * `client_uri` shown as text, never as a link; its `logo_uri` is not loaded (the page's CSP allows
 * only its own images, and fetching it would tell the client's host who is looking). A registered
 * agent is introduced as an agent, with its owner.
 */
function clientLine(client: PublicClient, redirectUri: string): string {
  const name = client.name === '' ? 'An application' : client.name;
  const asks = `<strong id="client-name">${escapeHtml(name)}</strong> (client <code id="client-id">${escapeHtml(client.clientId)}</code>, returning to <code id="redirect">${escapeHtml(redirectUri)}</code>) asks to act on your behalf.`;
  // A registered agent is introduced as one, with the owner the operator registered it under: an agent acts on its own too.
  if (client.agent !== undefined) return `<p>A registered agent of this server, owned by <strong id="agent-owner">${escapeHtml(client.agent.owner)}</strong>:</p><p>${asks.replace('id="client-name"', 'id="client-name" class="agent"')}</p>`;
  if (client.document === undefined) return `<p>${asks}</p>`;
  const home = client.document.clientUri === undefined ? '' : `<p>It gives its home page as <code id="client-uri">${escapeHtml(client.document.clientUri)}</code>.</p>`;
  return `<p>An application published by <strong id="client-host">${escapeHtml(client.document.host)}</strong></p><p>${asks}</p>${home}`;
}

/** The consent form: the client, the scopes and the resource, allow or deny. `request` is the authorization request's query, re-checked when the form comes back. */
export function consentPage(input: { client: PublicClient; redirectUri: string; scopes: readonly string[]; resource: string; request: string; csrf: string; who: string }): string {
  return page(
    'Authorize access',
    `${clientLine(input.client, input.redirectUri)}<p>Signed in as <strong>${escapeHtml(input.who)}</strong>.</p>
<p>Resource:</p><p><code id="resource">${escapeHtml(input.resource)}</code></p><p>Scopes:</p><div id="scopes">${list(input.scopes, 'No scopes: only who you are.')}</div>
<form method="post" action="/authorize">${hidden('csrf', input.csrf)}${hidden('request', input.request)}
<button type="submit" name="decision" value="allow" id="allow">Allow</button> <button type="submit" name="decision" value="deny" id="deny">Deny</button></form>
<p><a href="/account/consents">Your authorized applications</a></p>`,
  );
}

/** A person's remembered consents, each with its revoke button. */
export function consentsPage(consents: readonly ConsentRecord[], names: ReadonlyMap<string, string>, csrf: string, message?: string): string {
  const rows = consents.map(
    (c) =>
      `<li class="consent"><strong>${escapeHtml(names.get(c.clientId) || c.clientId)}</strong> <code>${escapeHtml(c.clientId)}</code><br>Resource <code>${escapeHtml(c.resource)}</code>; scopes <code>${escapeHtml(c.scopes.join(' ') || '(none)')}</code>
<form method="post" action="/account/consents/revoke">${hidden('csrf', csrf)}${hidden('client_id', c.clientId)}${hidden('resource', c.resource)}<button type="submit">Revoke</button></form></li>`,
  );
  return page(
    'Authorized applications',
    `${message === undefined ? '' : `<p class="ok" role="status">${escapeHtml(message)}</p>`}${rows.length === 0 ? '<p id="none">No application may act on your behalf.</p>' : `<ul id="consents">${rows.join('')}</ul>`}<p><a href="/account">Your account</a></p>`,
    { 'csrf-token': csrf },
  );
}

/**
 * The answer of a request a remembered consent covers, delivered by the page itself (RFC 6749
 * §3.1.2: "or by other means available to it via the user-agent") rather than a 303: when the
 * person has just signed in, the navigation started as the sign-in form's POST, and the sign-in
 * page's CSP (`form-action 'self'`) would stop a redirect chain that leaves for the client.
 * A refresh and a link, no script.
 */
export function returningPage(location: string, clientName: string): string {
  const html = page('Returning to the application', `<p>Returning you to <strong>${escapeHtml(clientName || 'the application')}</strong>.</p><p><a id="continue" href="${escapeHtml(location)}">Continue</a></p>`);
  return html.replace('<meta charset="utf-8">', `<meta charset="utf-8"><meta http-equiv="refresh" content="${escapeHtml(`0; url=${location}`)}">`);
}
