import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentAuthServer } from '../../src/main/create-server.js';
import { until } from '../support/until.js';
import { expectOcsfEvent, sequences, siemStatus, startOn, traffic } from './siem-support.js';

/** One RFC 5424 message as a collector parses it (§6). */
interface SyslogMessage {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  event: Record<string, unknown>;
}

// RFC 5424 §6: HEADER SP STRUCTURED-DATA SP MSG, the MSG a UTF-8 one (BOM first).
const RFC5424 = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) ((?:\[[^\]]*\])+|-) \uFEFF([\s\S]*)$/;

/** A collector: reads RFC 6587 §3.4.1 octet-counted frames off every connection and parses each message. */
function collect(socket: Socket, messages: SyslogMessage[]): void {
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const space = buffer.indexOf(0x20);
      if (space === -1) return;
      const length = Number(buffer.subarray(0, space).toString('ascii'));
      expect(Number.isInteger(length) && length > 0).toBe(true);
      if (buffer.length < space + 1 + length) return;
      const text = buffer.subarray(space + 1, space + 1 + length).toString('utf8');
      buffer = buffer.subarray(space + 1 + length);
      const match = RFC5424.exec(text);
      if (match === null) throw new Error(`not an RFC 5424 message: ${text.slice(0, 120)}`);
      const [, pri, version, timestamp, hostname, appName, procId, msgId, structuredData, msg] = match as unknown as string[];
      messages.push({ pri: Number(pri), version: Number(version), timestamp: timestamp!, hostname: hostname!, appName: appName!, procId: procId!, msgId: msgId!, structuredData: structuredData!, event: JSON.parse(msg!) });
    }
  });
  socket.on('error', () => undefined);
}

/** A CA and a server certificate for 127.0.0.1 it signed, made by openssl. */
async function certificates(dir: string): Promise<{ ca: string; key: string; cert: string; otherKey: string; otherCert: string }> {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=siem test CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=collector');
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  // A certificate for the same address that no trusted CA signed.
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=impostor', '-addext', 'subjectAltName=IP:127.0.0.1');
  const read = (name: string) => readFile(join(dir, name), 'utf8');
  return { ca: join(dir, 'ca.pem'), key: await read('server.key'), cert: await read('server.pem'), otherKey: await read('other.key'), otherCert: await read('other.pem') };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** The SIEM export's syslog sink to real collectors over TCP (RFC 6587) and TLS (RFC 5425). */
describe('SIEM export to syslog', () => {
  let server: AgentAuthServer | undefined;
  let collector: Server | undefined;
  let dir: string;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    collector?.close();
    collector = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function exportTo(url: string, env: Record<string, string>, messages: SyslogMessage[]): Promise<void> {
    const started = await startOn(dir, { AGENTAUTH_SIEM_SYSLOG: url, ...env });
    server = started.server;
    await traffic(server, started.clock);
    await until(async () => {
      const status = await siemStatus(server!);
      return status.sinks[0]?.lag === 0 && messages.length === status.head_seq;
    });
    const head = (await siemStatus(server)).head_seq;
    expect(sequences(messages.map((m) => m.event))).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    for (const message of messages) {
      const event = message.event;
      expectOcsfEvent(event);
      const severity = event.severity_id === 1 ? 6 : event.severity_id === 2 ? 5 : 4;
      expect(message).toMatchObject({ pri: 10 * 8 + severity, version: 1, hostname: env.AGENTAUTH_SIEM_SYSLOG_HOSTNAME ?? '127.0.0.1', appName: 'agentauth', procId: '-', msgId: `OCSF-${String(event.type_uid)}` });
      expect(message.timestamp).toBe(new Date(event.time as number).toISOString());
      expect(message.structuredData).toBe(`[origin software="agentauth"][meta sequenceId="${String((event.metadata as { sequence: number }).sequence)}"]`);
    }
    expect(messages.find((m) => m.event.message === 'client_authentication.failed')?.pri).toBe(84);
  }

  it('sends RFC 5424 messages over TCP with octet-counting framing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-siem-'));
    const messages: SyslogMessage[] = [];
    collector = createTcpServer((socket) => collect(socket, messages));
    const port = await listen(collector);
    await exportTo(`tcp://127.0.0.1:${port}`, { AGENTAUTH_SIEM_SYSLOG_HOSTNAME: 'idp-1.example.com' }, messages);
  });

  it('sends them over TLS to a collector whose certificate chains to the configured CA', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-siem-'));
    const pki = await certificates(dir);
    const messages: SyslogMessage[] = [];
    collector = createTlsServer({ key: pki.key, cert: pki.cert }, (socket) => collect(socket, messages));
    const port = await listen(collector);
    await exportTo(`tls://127.0.0.1:${port}`, { AGENTAUTH_SIEM_SYSLOG_CA_FILE: pki.ca }, messages);
  });

  it('sends nothing to a TLS collector whose certificate it cannot verify, and reports why', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-siem-'));
    const pki = await certificates(dir);
    let received = 0;
    let handshakes = 0;
    collector = createTlsServer({ key: pki.otherKey, cert: pki.otherCert }, (socket) => {
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.on('error', () => undefined);
    });
    collector.on('tlsClientError', () => handshakes++);
    const port = await listen(collector);
    const started = await startOn(dir, { AGENTAUTH_SIEM_SYSLOG: `tls://127.0.0.1:${port}`, AGENTAUTH_SIEM_SYSLOG_CA_FILE: pki.ca });
    server = started.server;
    await traffic(server, started.clock);
    await until(async () => (await siemStatus(server!)).sinks[0]?.failing === true);
    const [sink] = (await siemStatus(server)).sinks;
    expect(sink).toMatchObject({ sink: 'syslog', seq: 0, failing: true });
    expect(sink?.last_error).toMatch(/connecting to the syslog collector failed: [A-Z_]*(SELF_SIGNED|UNABLE_TO_VERIFY)/);
    expect(handshakes).toBeGreaterThan(0);
    expect(received).toBe(0);
  });
});
