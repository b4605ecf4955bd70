import { readFile } from 'node:fs/promises';
import type { CertificateAuthority } from '../admin-types.js';
import { EXIT_OK } from '../cli-errors.js';
import type { CommandGroup } from '../command.js';
import { renderJson, renderTable, type Column } from '../output.js';

type Authority = CertificateAuthority['authorities'][number];

const COLUMNS: Column<Authority>[] = [
  { header: 'ID', value: (a) => a.id },
  { header: 'KIND', value: (a) => a.kind },
  { header: 'STATE', value: (a) => a.state },
  { header: 'SUBJECT', value: (a) => a.subject ?? '' },
  { header: 'NOT AFTER', value: (a) => a.not_after },
  { header: 'KEY', value: (a) => (a.has_key ? (a.external ? 'imported' : 'ours') : 'none') },
];

function render(info: CertificateAuthority, json: boolean): string {
  if (json) return renderJson(info);
  return `trust domain ${info.trust_domain}, issuing with ${info.active_id ?? '(none)'}\n${renderTable(COLUMNS, info.authorities)}`;
}

/** `agentauth ca ...`: the built-in certificate authority's hierarchy (docs/ca.md). */
export const caGroup: CommandGroup = {
  name: 'ca',
  summary: 'show, rotate and import the certificate authority',
  commands: [
    {
      name: 'ca show',
      summary: 'show the roots and issuing CAs with their states',
      args: [],
      synopsis: '',
      options: {},
      async run(context) {
        context.io.stdout(render(await context.admin().getCa(), context.json));
        return EXIT_OK;
      },
    },
    {
      name: 'ca rotate',
      summary: 'activate a new issuing CA now (the old one stays in the bundle until it expires)',
      args: [],
      synopsis: '',
      options: {},
      async run(context) {
        context.io.stdout(render(await context.admin().rotateCa(), context.json));
        return EXIT_OK;
      },
    },
    {
      name: 'ca import',
      summary: 'import an external root (cert + key) or issuing CA (cert + key + its root cert), PEM files',
      args: [],
      synopsis: '--cert FILE --key FILE [--root FILE]',
      options: {
        cert: { type: 'string', placeholder: 'FILE', description: 'the CA certificate (PEM)' },
        key: { type: 'string', placeholder: 'FILE', description: 'its private key (PEM, unencrypted)' },
        root: { type: 'string', placeholder: 'FILE', description: 'for an issuing CA: the root certificate that signed it (PEM)' },
      },
      async run(context) {
        const root = context.flags.string('root');
        const info = await context.admin().importCa({
          certificate: await readFile(context.flags.required('cert'), 'utf8'),
          private_key: await readFile(context.flags.required('key'), 'utf8'),
          ...(root === undefined ? {} : { root_certificate: await readFile(root, 'utf8') }),
        });
        context.io.stdout(render(info, context.json));
        return EXIT_OK;
      },
    },
  ],
};
