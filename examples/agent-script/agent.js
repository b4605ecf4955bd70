// A plain agent script: no API key anywhere. On its first run it generates its own key pair,
// enrols the public key with a one-time token, and keeps its identity in a file (mode 0600); on
// later runs it finds the file and does not enrol again. Tokens are fetched, cached and refreshed
// by the SDK, and bound to a DPoP key (RFC 9449). How to run it, and every command before it:
// README.md beside this file.
import { createAgent } from '@agentauth/client';
import { fileKeyStore } from '@agentauth/client/node';

/** Enrols (first run only) and calls the protected API once; returns what it saw. */
export async function runAgentScript({ issuer, enrollmentToken, identityFile, apiUrl, resource, scope }) {
  const agent = await createAgent({
    issuer,
    keyStore: fileKeyStore(identityFile),
    enrollmentToken,
    dpop: true,
    resources: { [resource]: { scope } },
  });
  const response = await agent.fetch(apiUrl);
  return { clientId: agent.clientId, status: response.status, body: await response.json() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  if (!env.AGENTAUTH_ISSUER || !env.API_URL) {
    console.error('agent-script: set AGENTAUTH_ISSUER and API_URL: see examples/agent-script/README.md');
    process.exit(2);
  }
  const result = await runAgentScript({
    issuer: env.AGENTAUTH_ISSUER,
    enrollmentToken: env.AGENTAUTH_ENROLLMENT_TOKEN || undefined,
    identityFile: env.AGENTAUTH_IDENTITY_FILE ?? '.agentauth/agent.json',
    apiUrl: env.API_URL,
    resource: env.API_RESOURCE ?? new URL(env.API_URL).origin,
    scope: env.API_SCOPE ?? 'orders:read',
  });
  console.log(JSON.stringify(result, null, 2));
}
