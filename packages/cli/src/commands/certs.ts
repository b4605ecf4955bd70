import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Certificate } from '../admin-types.js';
import { EXIT_OK, UsageError } from '../cli-errors.js';
import type { CommandGroup } from '../command.js';
import { renderFields, renderJson, renderTable, type Column } from '../output.js';
import { makeCertificateRequest } from './certificate-request.js';

const CERT_COLUMNS: Column<Certificate>[] = [
  { header: 'SERIAL', value: (c) => c.serial },
  { header: 'AGENT', value: (c) => c.agent_id ?? `(${c.kind})` },
  { header: 'ISSUED', value: (c) => c.issued_at },
  { header: 'EXPIRES', value: (c) => c.not_after },
  { header: 'REVOKED', value: (c) => c.revoked_at ?? '' },
];

/** `agentauth certs ...`: X.509-SVIDs from the built-in CA (docs/ca.md). */
export const certsGroup: CommandGroup = {
  name: 'certs',
  summary: "issue, list and revoke agents' certificates (X.509-SVIDs)",
  commands: [
    {
      name: 'certs issue',
      summary: 'make a key and CSR here, and get the agent its certificate chain and the trust bundle',
      args: [],
      synopsis: '--agent ID [--out-dir DIR]',
      options: {
        agent: { type: 'string', placeholder: 'ID', description: 'the agent the certificate names (spiffe://<trust domain>/agent/ID)' },
        'out-dir': { type: 'string', placeholder: 'DIR', description: 'write key.pem (mode 600), chain.pem and bundle.pem there instead of printing them' },
      },
      async run(context) {
        const agentId = context.flags.required('agent');
        const outDir = context.flags.string('out-dir');
        // The private key is made here and never sent: the CA sees only the CSR.
        const request = makeCertificateRequest();
        const issued = await context.admin().issueAgentCertificate(agentId, request.csrPem);
        if (outDir !== undefined) {
          await mkdir(outDir, { recursive: true, mode: 0o700 });
          const keyPath = join(outDir, 'key.pem');
          await writeFile(keyPath, request.privateKeyPem, { mode: 0o600 });
          await chmod(keyPath, 0o600);
          await writeFile(join(outDir, 'chain.pem'), issued.certificate_chain);
          await writeFile(join(outDir, 'bundle.pem'), issued.trust_bundle);
        }
        if (context.json) {
          const files = outDir === undefined ? { private_key: request.privateKeyPem, certificate_chain: issued.certificate_chain, trust_bundle: issued.trust_bundle } : { out_dir: outDir };
          context.io.stdout(renderJson({ spiffe_id: issued.spiffe_id, serial: issued.serial, expires_at: issued.expires_at, ...files }));
        } else if (outDir !== undefined) {
          context.io.stdout(
            renderFields([
              ['spiffe id', issued.spiffe_id],
              ['serial', issued.serial],
              ['expires', issued.expires_at],
              ['key', join(outDir, 'key.pem')],
              ['chain', join(outDir, 'chain.pem')],
              ['bundle', join(outDir, 'bundle.pem')],
            ]),
          );
        } else {
          context.io.stderr(`issued ${issued.spiffe_id} (serial ${issued.serial}, expires ${issued.expires_at}); private key, chain and bundle follow\n`);
          context.io.stdout(`${request.privateKeyPem}${issued.certificate_chain}${issued.trust_bundle}`);
        }
        return EXIT_OK;
      },
    },
    {
      name: 'certs list',
      summary: 'list issued certificates, newest first',
      args: [],
      synopsis: '[--agent ID] [--limit N]',
      options: {
        agent: { type: 'string', placeholder: 'ID', description: 'only this agent' },
        limit: { type: 'string', placeholder: 'N', description: 'at most N (1-1000, default 100)' },
      },
      async run(context) {
        const limitText = context.flags.string('limit');
        const limit = limitText === undefined ? undefined : Number(limitText);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw new UsageError('--limit must be an integer from 1 to 1000', this.name);
        const agent = context.flags.string('agent');
        const page = await context.admin().listCertificates({ ...(agent === undefined ? {} : { agent_id: agent }), ...(limit === undefined ? {} : { limit }) });
        context.io.stdout(context.json ? renderJson(page) : renderTable(CERT_COLUMNS, page.items));
        return EXIT_OK;
      },
    },
    {
      name: 'certs revoke',
      summary: 'revoke a certificate by serial; the CRL is reissued at once',
      args: ['SERIAL'],
      synopsis: 'SERIAL',
      options: {},
      async run(context) {
        const certificate = await context.admin().revokeCertificate(context.args[0] as string);
        context.io.stdout(context.json ? renderJson(certificate) : `revoked ${certificate.serial} at ${certificate.revoked_at ?? ''}\n`);
        return EXIT_OK;
      },
    },
  ],
};
