// A CommonJS service that require()s the packages, as a project without "type": "module" does.
// The packages are ES modules only; Node 20.19 and later load them with require(), so this
// process and an ESM importer share one copy of each module (and of its error classes).
const { createServer } = require('node:http');
const protocol = require('@agentauth/protocol');
const resourceServer = require('@agentauth/resource-server');
const { nodeAgentAuth } = require('@agentauth/resource-server/node');

async function main() {
  const service = resourceServer.createResourceServer({ issuer: 'https://auth.example.com', resource: 'https://orders.example.com', revocation: 'off' });
  const guard = nodeAgentAuth(service, { checks: [resourceServer.requireScopes('orders:read')] });
  const server = createServer(async (req, res) => {
    const principal = await guard(req, res);
    if (principal !== undefined) res.writeHead(200).end('orders');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    // No token at all: the guard answers the RFC 6750 challenge without contacting the issuer.
    const response = await fetch(`http://127.0.0.1:${server.address().port}/orders`);
    const imported = await import('@agentauth/resource-server');
    console.log(JSON.stringify({
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      metadataPath: protocol.PROTECTED_RESOURCE_METADATA_PATH,
      sameErrorClass: imported.VerificationError === resourceServer.VerificationError,
    }));
  } finally {
    server.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
