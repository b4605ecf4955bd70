import { createServer } from 'node:net';

/** A listener could not take its address; the message names the address and what to do. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.code = code;
  }
}

/** `host:port`, with an IPv6 literal in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Explains why listening on `host:port` failed. */
export function listenFailure(error: unknown, host: string, port: number): ListenError {
  const code = (error as { code?: unknown }).code;
  const address = formatAddress(host, port);
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(`cannot listen on ${address}: the address is already in use (another process listens there; choose another port)`, code, error);
    case 'EACCES':
      return new ListenError(`cannot listen on ${address}: permission denied (ports below 1024 need privileges)`, code, error);
    case 'EADDRNOTAVAIL':
      return new ListenError(`cannot listen on ${address}: no interface of this machine has that address`, code, error);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ListenError(`cannot listen on ${address}: the host name does not resolve`, code, error);
    default:
      return new ListenError(`cannot listen on ${address}: ${error instanceof Error ? error.message : String(error)}`, typeof code === 'string' ? code : undefined, error);
  }
}

/**
 * Fails with a {@link ListenError} when `host:port` cannot be listened on, by listening on it
 * for a moment: the server checks its addresses before it opens the database, creates keys or
 * writes an audit record, so a taken port costs nothing and leaves nothing behind. Port 0 (any
 * free port) is always free. Another process may still take the port between this check and the
 * real listen; that listen then fails with the same message.
 */
export async function assertAddressFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(listenFailure(error, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Checks the public listener's address and, when they are on, the mutual-TLS and metrics listeners'. */
export async function assertAddressesFree(config: { host: string; port: number; mtlsHost: string; mtlsPort: number; metrics: 'on' | 'off'; metricsHost: string; metricsPort: number }): Promise<void> {
  await assertAddressFree(config.host, config.port);
  if (config.mtlsPort !== 0) await assertAddressFree(config.mtlsHost, config.mtlsPort);
  if (config.metrics === 'on' && config.metricsPort !== 0) await assertAddressFree(config.metricsHost, config.metricsPort);
}
