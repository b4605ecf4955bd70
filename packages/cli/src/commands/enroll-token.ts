import { EXIT_OK } from '../cli-errors.js';
import type { Command } from '../command.js';
import { renderJson } from '../output.js';
import { checkId } from './agent-view.js';

/** Longest enrolment token lifetime the server accepts: one day. */
const MAX_ENROLLMENT_TTL_SECONDS = 86_400;

/**
 * `agentauth agents enroll-token ID [--ttl SECONDS]`: a one-time enrolment token for the agent
 * (docs/agent-sdk.md). The agent's SDK generates its key pair and registers the public half with
 * it, so no private key or secret is ever handed over. The token is printed once (stdout, for
 * `$(...)`); the server keeps only its SHA-256.
 */
export const enrollTokenCommand: Command = {
  name: 'agents enroll-token',
  summary: 'create a one-time enrolment token for an agent (default lifetime 15 minutes)',
  args: ['ID'],
  synopsis: 'ID [--ttl SECONDS]',
  options: { ttl: { type: 'string', placeholder: 'SECONDS', description: 'token lifetime, 60-86400 (default 900)' } },
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    const ttl = context.flags.int('ttl', 60, MAX_ENROLLMENT_TTL_SECONDS);
    const created = await context.admin().createEnrollmentToken(id, ttl);
    if (context.json) {
      context.io.stdout(renderJson(created));
    } else {
      context.io.stdout(`${created.token}\n`);
      context.io.stderr(`enrolment token for ${created.agent_id}, single use, expires ${created.expires_at}; it is shown only once.\n`);
    }
    return EXIT_OK;
  },
};
