/**
 * The HTML of the sign-in pages (docs/people.md): plain forms, every value escaped. One
 * stylesheet, `/login/style.css`, served by the people routes (the CSP allows nothing inline);
 * the pages that offer a passkey load one script from our origin, `/login/passkey.js`.
 */

/** The passkey script's path (served by the passkey routes). */
export const PASSKEY_SCRIPT = '/login/passkey.js';

/** HTML-escapes text for element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole page. `body` must already be HTML; `meta` adds `<meta name content>` pairs; `script` loads the passkey script. */
export function page(title: string, body: string, meta: Record<string, string> = {}, script = false): string {
  const metas = Object.entries(meta)
    .map(([name, content]) => `<meta name="${escapeHtml(name)}" content="${escapeHtml(content)}">`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${metas}<title>${escapeHtml(title)} \u2013 agentauth</title><link rel="stylesheet" href="/login/style.css">${script ? `<script type="module" src="${PASSKEY_SCRIPT}"></script>` : ''}</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/** A hidden form field. */
export function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

/** An error notice, or nothing. */
export function notice(error: string | undefined): string {
  return error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`;
}

/** The email-and-password form, and a link for each upstream provider (each keeps `return_to`). */
export function signInPage(csrf: string, returnTo: string, error?: string, providers: readonly { id: string; name: string }[] = []): string {
  const upstream =
    providers.length === 0
      ? ''
      : `<ul class="providers">${providers.map((p) => `<li><a class="provider" href="/login/oidc/${encodeURIComponent(p.id)}?return_to=${encodeURIComponent(returnTo)}">Sign in with ${escapeHtml(p.name)}</a></li>`).join('')}</ul><p class="or">or with a local account</p>`;
  // Usernameless: the authenticator offers the passkeys it holds for us; the script fills `response`.
  const passkey = `<form id="passkey-sign-in" method="post" action="/login/passkey" data-options="/login/passkey/options">${hidden('csrf', csrf)}${hidden('return_to', returnTo)}${hidden('response', '')}<button type="button" class="secondary">Sign in with a passkey</button><p id="passkey-error" class="error" role="alert" hidden></p></form>`;
  return page(
    'Sign in',
    `${notice(error)}${upstream}<form method="post" action="/login">${hidden('csrf', csrf)}${hidden('return_to', returnTo)}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required maxlength="254" autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="512">
<button type="submit">Sign in</button></form><p class="or">or</p>${passkey}`,
    {},
    true,
  );
}

/** The second-factor form. */
export function totpPage(csrf: string, returnTo: string, error?: string): string {
  return page(
    'Two-factor code',
    `${notice(error)}<p>Enter the 6-digit code from your authenticator app.</p><form method="post" action="/login/totp">${hidden('csrf', csrf)}${hidden('return_to', returnTo)}
<label for="code">Code</label><input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6" autofocus>
<button type="submit">Verify</button></form>`,
  );
}

/** The signed-in page: who, which roles, the second factor, and signing out. */
export function accountPage(user: { name: string; email: string; roles: readonly string[]; totpEnrolled: boolean; localAccount: boolean }, csrf: string, message?: string): string {
  const roles = user.roles.length === 0 ? 'none' : user.roles.join(', ');
  // Without a local password a person signs in only through an identity provider, whose second factor applies.
  const factor = !user.localAccount && !user.totpEnrolled
    ? '<p>You sign in through your identity provider; its second factor applies.</p>'
    : user.totpEnrolled ? '<p>Two-factor authentication: <strong>on</strong>.</p>' : '<p>Two-factor authentication: <strong>off</strong>. <a href="/account/totp">Set up an authenticator app</a>.</p>';
  return page(
    'Signed in',
    `${message === undefined ? '' : `<p class="ok" role="status">${escapeHtml(message)}</p>`}<p>Signed in as <strong id="who">${escapeHtml(user.name)}</strong> (${escapeHtml(user.email)}).</p><p>Roles: <span id="roles">${escapeHtml(roles)}</span>.</p>${factor}
<p><a id="owned-agents" href="/account/owned-agents">Your agents</a> · <a id="agents" href="/account/agents">Agents acting for you</a> · <a id="approvals" href="/account/approvals">Approvals waiting for you</a> · <a id="applications" href="/account/consents">Authorized applications</a> · <a id="passkeys" href="/account/passkeys">Passkeys</a></p>
<form method="post" action="/logout">${hidden('csrf', csrf)}<button type="submit">Sign out</button></form>`,
    { 'csrf-token': csrf },
  );
}

/** TOTP enrolment: the otpauth URI and its secret, shown once, and the confirming code. */
export function totpEnrolmentPage(offer: { uri: string; secret: string }, csrf: string, error?: string): string {
  return page(
    'Set up two-factor authentication',
    `${notice(error)}<p>Add this account to your authenticator app with the link or the key below, then enter the code it shows. They are shown this once.</p>
<p><a id="otpauth" href="${escapeHtml(offer.uri)}">${escapeHtml(offer.uri)}</a></p><p>Key: <code id="secret">${escapeHtml(offer.secret)}</code></p>
<form method="post" action="/account/totp">${hidden('csrf', csrf)}<label for="code">Code</label><input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6"><button type="submit">Turn on</button></form>`,
  );
}

/** A refusal page that leaves nothing to do but start again. */
export function errorPage(title: string, text: string): string {
  return page(title, `<p class="error" role="alert">${escapeHtml(text)}</p><p><a href="/login">Sign in</a></p>`);
}

/** The stylesheet. */
export const PAGE_STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.9rem 0 .3rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #b8bfcc;border-radius:4px;font-size:1rem}
button{margin-top:1.2rem;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#2f5bd3;color:#fff;font-size:1rem;cursor:pointer}
.error{color:#a11;background:#fdecec;padding:.6rem;border-radius:4px}.ok{color:#155724;background:#e6f4ea;padding:.6rem;border-radius:4px}
code,a#otpauth{word-break:break-all}
.providers{list-style:none;padding:0;margin:0}.provider{display:block;text-align:center;padding:.6rem;border:1px solid #2f5bd3;border-radius:4px;color:#2f5bd3;text-decoration:none;margin-bottom:.6rem}.or{text-align:center;color:#5b6373;font-size:.9rem}
button.secondary{width:100%;background:#fff;color:#2f5bd3;border:1px solid #2f5bd3}
table{width:100%;border-collapse:collapse;margin:1rem 0}td,th{text-align:left;padding:.35rem .25rem;border-bottom:1px solid #e1e4ea;font-size:.9rem}td button{margin:0;padding:.3rem .6rem;font-size:.85rem}`;
