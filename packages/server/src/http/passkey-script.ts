/**
 * The browser side of passkeys, served as `/login/passkey.js` from our own origin (the pages'
 * CSP allows no inline script). Each form with `data-options` is a ceremony: its button posts the
 * form's CSRF token to the options URL, hands the options to `navigator.credentials.create()`
 * (`#passkey-register`) or `.get()` (`#passkey-sign-in`) (W3C WebAuthn Level 2 §5.1.3, §5.1.4),
 * writes the credential as JSON (base64url fields, as `PublicKeyCredential.toJSON()` does) into
 * the form's `response` field and submits the form. Nothing is decided here: the server verifies.
 */
export const PASSKEY_SCRIPT_SOURCE = `const enc = (buffer) => {
  let text = '';
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
};
const dec = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4)), (c) => c.charCodeAt(0));
const ids = (list) => (list ?? []).map((c) => ({ ...c, id: dec(c.id) }));

async function options(form) {
  const body = new URLSearchParams({ csrf: form.elements.namedItem('csrf').value });
  const answer = await fetch(form.dataset.options, { method: 'POST', body, credentials: 'same-origin' });
  if (answer.status === 429) throw new Error('Too many failed sign-ins from this address. Try again later.');
  if (!answer.ok) throw new Error('This page has expired. Reload it and try again.');
  return answer.json();
}

async function register(form) {
  const o = await options(form);
  const c = await navigator.credentials.create({ publicKey: { ...o, challenge: dec(o.challenge), user: { ...o.user, id: dec(o.user.id) }, excludeCredentials: ids(o.excludeCredentials) } });
  const transports = typeof c.response.getTransports === 'function' ? c.response.getTransports() : [];
  return { id: c.id, rawId: enc(c.rawId), type: c.type, response: { clientDataJSON: enc(c.response.clientDataJSON), attestationObject: enc(c.response.attestationObject), transports } };
}

async function signIn(form) {
  const o = await options(form);
  const c = await navigator.credentials.get({ publicKey: { ...o, challenge: dec(o.challenge), allowCredentials: ids(o.allowCredentials) } });
  const r = c.response;
  const response = { clientDataJSON: enc(r.clientDataJSON), authenticatorData: enc(r.authenticatorData), signature: enc(r.signature) };
  if (r.userHandle) response.userHandle = enc(r.userHandle);
  return { id: c.id, rawId: enc(c.rawId), type: c.type, response };
}

for (const form of document.querySelectorAll('form[data-options]')) {
  const button = form.querySelector('button');
  const error = form.querySelector('#passkey-error');
  button.addEventListener('click', async () => {
    error.hidden = true;
    const name = form.elements.namedItem('name');
    if (name && !name.reportValidity()) return;
    if (!window.PublicKeyCredential) {
      error.textContent = 'This browser does not support passkeys.';
      error.hidden = false;
      return;
    }
    button.disabled = true;
    try {
      const credential = form.id === 'passkey-register' ? await register(form) : await signIn(form);
      form.elements.namedItem('response').value = JSON.stringify(credential);
      form.submit();
    } catch (e) {
      error.textContent = e instanceof DOMException ? 'The passkey was not used (cancelled or timed out).' : e.message;
      error.hidden = false;
      button.disabled = false;
    }
  });
}
`;
