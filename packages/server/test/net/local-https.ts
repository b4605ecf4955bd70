import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A self-signed certificate for localhost, 127.0.0.1, ::1 and `jwks.agentauth.invalid` (a name no
 * DNS resolves, for pinning tests), made by the real openssl.
 */
export interface SelfSignedCert {
  certPem: string;
  keyPem: string;
  /** The certificate's PEM file, for settings that take a path. */
  certPath: string;
  dir: string;
  remove(): void;
}

export function makeSelfSignedCert(): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'agentauth-tls-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,DNS:jwks.agentauth.invalid,IP:127.0.0.1,IP:::1',
      '-keyout', keyPath, '-out', certPath,
    ],
    { stdio: 'ignore' },
  );
  return {
    certPem: readFileSync(certPath, 'utf8'),
    keyPem: readFileSync(keyPath, 'utf8'),
    certPath,
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A real HTTPS server on 127.0.0.1 with a swappable handler and a request counter. */
export interface LocalHttps {
  url: string;
  port: number;
  hits: string[];
  handle: Handler;
  server: Server;
  close(): Promise<void>;
}

export async function startLocalHttps(cert: SelfSignedCert, handle: Handler): Promise<LocalHttps> {
  const state: LocalHttps = {
    url: '',
    port: 0,
    hits: [],
    handle,
    server: undefined as unknown as Server,
    close: () => new Promise<void>((resolve) => {
      state.server.closeAllConnections();
      state.server.close(() => resolve());
    }),
  };
  state.server = createServer({ cert: cert.certPem, key: cert.keyPem }, (request, response) => {
    state.hits.push(request.url ?? '');
    state.handle(request, response);
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  state.url = `https://127.0.0.1:${state.port}`;
  return state;
}

/** Answers with a JSON body and the given extra headers. */
export function sendJson(response: ServerResponse, body: unknown, headers: Record<string, string> = {}, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
