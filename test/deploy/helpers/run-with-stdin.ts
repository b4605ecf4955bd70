import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import type { HttpAgent } from '../../../packages/cli/test/helpers/http-agent.js';
import { CLI, ROOT, type ServerProcess } from '../../../packages/cli/test/helpers/server-process.js';

/** A fresh master key as an operator makes one (`openssl rand -base64 32`). */
export const newMasterKey = (): string => randomBytes(32).toString('base64');

/** `agentauth <args>` as a real process with `stdin` piped in, no inherited AGENTAUTH_* variable. */
export function runWithStdin(args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) clean[name] = value;
  return new Promise((resolve, reject) => {
    const child = spawn('node', [CLI, ...args], { cwd: ROOT, env: { ...clean, AGENTAUTH_LOG_LEVEL: 'warn', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** client_credentials with a fresh assertion: the status, and the `kid` that signed the token. */
export async function tokenKid(server: ServerProcess, agent: HttpAgent): Promise<{ status: number; kid: string | undefined }> {
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await agent.assertion() }),
  });
  const body = (await response.json()) as { access_token?: string };
  return { status: response.status, kid: body.access_token === undefined ? undefined : decodeProtectedHeader(body.access_token).kid };
}
