import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate made by openssl: paths of its PEM files and the parsed certificate. */
export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  pem: string;
  keyPem: string;
  certificate: X509Certificate;
}

/**
 * A throwaway PKI made with the real `openssl` CLI in a temp dir: a root, an intermediate and
 * leaves with the extensions a test asks for (EC P-256 keys, as our CA issues).
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'agentauth-pki-'));
  private serial = 1;

  private run(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  private key(name: string): string {
    const file = join(this.dir, `${name}.key`);
    this.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
    return file;
  }

  private result(name: string): IssuedCertificate {
    const certFile = join(this.dir, `${name}.pem`);
    const keyFile = join(this.dir, `${name}.key`);
    const pem = readFileSync(certFile, 'utf8');
    return { certFile, keyFile, pem, keyPem: readFileSync(keyFile, 'utf8'), certificate: new X509Certificate(pem) };
  }

  /** A self-signed certificate (a root CA when `ca`). */
  selfSigned(name: string, subject: string, options: { ca?: boolean; extensions?: string[]; days?: number } = {}): IssuedCertificate {
    const keyFile = this.key(name);
    const ext = options.ca ? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'] : (options.extensions ?? ['basicConstraints=critical,CA:FALSE']);
    this.run(['req', '-new', '-x509', '-key', keyFile, '-subj', subject, '-days', String(options.days ?? 30), '-out', `${name}.pem`, ...ext.flatMap((e) => ['-addext', e])]);
    return this.result(name);
  }

  /** A certificate signed by `issuer`, with the given X.509v3 extension lines. */
  issue(name: string, issuer: IssuedCertificate, subject: string, extensions: string[], days = 1): IssuedCertificate {
    const keyFile = this.key(name);
    this.run(['req', '-new', '-key', keyFile, '-subj', subject, '-out', `${name}.csr`]);
    writeFileSync(join(this.dir, `${name}.ext`), `[v3]\n${extensions.join('\n')}\n`);
    this.run([
      'x509', '-req', '-in', `${name}.csr`, '-CA', issuer.certFile, '-CAkey', issuer.keyFile, '-set_serial', String(1000 + this.serial++),
      '-days', String(days), '-extfile', `${name}.ext`, '-extensions', 'v3', '-out', `${name}.pem`,
    ]);
    return this.result(name);
  }

  /** An intermediate CA under `issuer`. */
  intermediate(name: string, issuer: IssuedCertificate, subject: string): IssuedCertificate {
    return this.issue(name, issuer, subject, ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign'], 30);
  }

  /** A client certificate (clientAuth) with the given subjectAltName (e.g. `URI:spiffe://...`). */
  client(name: string, issuer: IssuedCertificate, subject: string, san?: string, days = 1): IssuedCertificate {
    const ext = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];
    if (san !== undefined) ext.push(`subjectAltName=${san}`);
    return this.issue(name, issuer, subject, ext, days);
  }

  /** A TLS server certificate for 127.0.0.1 and localhost. */
  server(name: string, issuer: IssuedCertificate): IssuedCertificate {
    return this.issue(name, issuer, '/CN=localhost', ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], 30);
  }

  /** Writes a file into the PKI dir (a chain, a bundle). */
  write(name: string, content: string): string {
    const file = join(this.dir, name);
    writeFileSync(file, content);
    return file;
  }

  /** `openssl`'s own x5t#S256 of a certificate: base64url of SHA-256 of the DER. */
  opensslThumbprint(certificate: IssuedCertificate): string {
    const der = execFileSync('openssl', ['x509', '-in', certificate.certFile, '-outform', 'DER']);
    const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
    return digest.toString('base64url');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs a command with an empty, closed stdin (s_client waits on stdin otherwise), without blocking the event loop. */
export function runClosed(command: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end();
  });
}
