import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { OcsfEvent } from './ocsf-event.js';
import type { SiemSink } from './siem-sink.js';
import { octetCountedFrame, syslogMessage } from './syslog-frame.js';

/** Options of {@link SyslogSink}. */
export interface SyslogSinkOptions {
  /** `tcp://HOST:PORT` (RFC 6587) or `tls://HOST:PORT` (RFC 5425). */
  url: string;
  /** The HOSTNAME of every message (RFC 5424 §6.2.4). */
  hostname: string;
  /** PEM CA certificates the collector's certificate must chain to; default Node's bundled roots. */
  ca?: string | undefined;
  /** Deadline to connect and to flush one batch, ms (default 10 000). */
  timeoutMs?: number;
}

/** Where a syslog URL points and how. */
export interface SyslogTarget {
  tls: boolean;
  host: string;
  port: number;
}

/** Reads `tcp://HOST:PORT` or `tls://HOST:PORT`; a `TypeError` for anything else. */
export function parseSyslogUrl(url: string): SyslogTarget {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const scheme = parsed?.protocol;
  if (parsed === undefined || (scheme !== 'tcp:' && scheme !== 'tls:') || parsed.hostname === '' || parsed.port === '' || (parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '') {
    throw new TypeError('AGENTAUTH_SIEM_SYSLOG must be tcp://HOST:PORT or tls://HOST:PORT');
  }
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { tls: scheme === 'tls:', host, port: Number(parsed.port) };
}

/**
 * The syslog sink: RFC 5424 messages, framed by octet counting (RFC 6587 §3.4.1), over TCP or
 * over TLS (RFC 5425: TLS 1.2 or later, the collector's certificate verified against the given CA
 * or the bundled roots and its name checked, §5.2). One connection is kept and opened again after
 * any failure. A batch counts as delivered once the socket has flushed it to the kernel: syslog
 * has no application-level acknowledgement, so a collector that dies with data in its buffers
 * loses it (docs/monitoring.md, "SIEM export").
 */
export class SyslogSink implements SiemSink {
  readonly name = 'syslog' as const;
  readonly #target: SyslogTarget;
  readonly #options: SyslogSinkOptions;
  #socket: Socket | undefined;
  #closed = false;

  constructor(options: SyslogSinkOptions) {
    this.#target = parseSyslogUrl(options.url);
    this.#options = options;
  }

  async send(events: readonly OcsfEvent[]): Promise<void> {
    if (this.#closed) throw new Error('the syslog sink is closed');
    if (events.length === 0) return;
    const frames = Buffer.concat(events.map((event) => octetCountedFrame(syslogMessage(event, this.#options.hostname))));
    const socket = this.#socket ?? (await this.#connect());
    try {
      await this.#deadline(socket, 'writing to the syslog collector', (done) => socket.write(frames, (error) => done(error ?? undefined)));
    } catch (error) {
      this.#drop(socket);
      throw error;
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    if (this.#socket !== undefined) this.#drop(this.#socket);
    return Promise.resolve();
  }

  async #connect(): Promise<Socket> {
    const { host, port, tls } = this.#target;
    const socket: Socket = tls
      ? tlsConnect({ host, port, minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(isIP(host) === 0 ? { servername: host } : {}), ...(this.#options.ca === undefined ? {} : { ca: this.#options.ca }) })
      : netConnect({ host, port });
    // Errors surface through the pending operation; a socket that fails between batches is dropped.
    socket.on('error', () => this.#drop(socket));
    socket.on('close', () => this.#drop(socket));
    // A collector sends nothing back; whatever it sends is read and thrown away.
    socket.resume();
    try {
      await this.#deadline(socket, 'connecting to the syslog collector', (done) => {
        socket.once(tls ? 'secureConnect' : 'connect', () => done());
        socket.once('error', (error) => done(error));
        socket.once('close', () => done(new Error('the syslog collector closed the connection')));
      });
    } catch (error) {
      this.#drop(socket);
      throw error;
    }
    if (this.#closed) {
      this.#drop(socket);
      throw new Error('the syslog sink is closed');
    }
    this.#socket = socket;
    return socket;
  }

  /** Runs `start` and waits for it to call back, failing after the timeout. */
  #deadline(socket: Socket, what: string, start: (done: (error?: Error) => void) => void): Promise<void> {
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => finish(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(new Error(`${what} failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
      };
      if (socket.destroyed) finish(new Error('the connection is closed'));
      else start(finish);
    });
  }

  #drop(socket: Socket): void {
    if (this.#socket === socket) this.#socket = undefined;
    socket.destroy();
  }
}
