import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** What one command line printed, and its exit status. */
export interface ShellResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * One long-lived bash, as a user's terminal: variables a command exports stay for the next one.
 * Each `run` writes the command, then an end marker carrying `$?`, and resolves when the marker
 * arrives; stderr is collected between the same points.
 */
export class ShellSession {
  readonly #bash: ChildProcessWithoutNullStreams;
  #stdout = '';
  #stderr = '';

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.#bash = spawn('bash', ['--norc', '--noprofile'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#bash.stdout.on('data', (chunk: Buffer) => (this.#stdout += chunk.toString()));
    this.#bash.stderr.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
  }

  /** Runs `command` (may span lines) and waits for it to finish, at most `timeoutMs`; stdout comes without trailing newlines. */
  async run(command: string, timeoutMs = 60_000): Promise<ShellResult> {
    const marker = `__shell_end_${randomBytes(8).toString('hex')}`;
    const pattern = new RegExp(`${marker} (\\d+)\\n`);
    this.#stdout = '';
    this.#stderr = '';
    // The marker is echoed on its own line even when the command's output has no final newline;
    // the status is taken before that `echo`, whose own status would hide it.
    this.#bash.stdin.write(`${command}\n__shell_status=$?; echo; echo "${marker} $__shell_status"\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.#stdout);
      if (match !== null) {
        const stdout = this.#stdout.slice(0, match.index).replace(/\n+$/, '');
        return { status: Number(match[1]), stdout, stderr: this.#stderr };
      }
      if (this.#bash.exitCode !== null) throw new Error(`bash exited while running: ${command}\n${this.#stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${command}\nstdout: ${this.#stdout}\nstderr: ${this.#stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Waits until what the shell printed since the last `run` began, on stdout or stderr, matches
   * `pattern`: the line a job started in the background prints once it is ready. Returns it all.
   */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const output = `${this.#stdout}${this.#stderr}`;
      if (pattern.test(output)) return output;
      if (this.#bash.exitCode !== null) throw new Error(`bash exited while waiting for ${pattern}\n${output}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): void {
    this.#bash.stdin.end();
    this.#bash.kill();
  }
}
