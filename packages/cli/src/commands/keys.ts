import type { SigningKey } from '../admin-types.js';
import { EXIT_OK } from '../cli-errors.js';
import type { CommandGroup } from '../command.js';
import { renderFields, renderJson, renderTable, type Column } from '../output.js';

const KEY_COLUMNS: Column<SigningKey>[] = [
  { header: 'KID', value: (key) => key.kid },
  { header: 'ALG', value: (key) => key.alg },
  { header: 'STATE', value: (key) => key.state },
  { header: 'CREATED', value: (key) => key.created_at },
  { header: 'ACTIVATED', value: (key) => key.activated_at },
  { header: 'RETIRED', value: (key) => key.retired_at },
  { header: 'EXPIRES', value: (key) => key.expires_at },
];

/** `agentauth keys ...`: the server's token signing keys (RFC 7517 JWKS with rotation). */
export const keysGroup: CommandGroup = {
  name: 'keys',
  summary: "inspect and rotate the server's token signing keys",
  commands: [
    {
      name: 'keys list',
      summary: 'list signing keys and their rotation state',
      args: [],
      synopsis: '',
      options: {},
      async run(context) {
        const { items } = await context.admin().listKeys();
        context.io.stdout(context.json ? renderJson({ items }) : renderTable(KEY_COLUMNS, items));
        return EXIT_OK;
      },
    },
    {
      name: 'keys rotate',
      summary: 'activate the prepared key and prepare a new one',
      args: [],
      synopsis: '[--force]',
      options: { force: { type: 'boolean', description: 'rotate even if the prepared key has not been published long enough' } },
      async run(context) {
        const result = await context.admin().rotateKeys(context.flags.bool('force'));
        context.io.stdout(
          context.json
            ? renderJson(result)
            : renderFields([
                ['active key', result.active_kid],
                ['prepared key', result.prepared_kid],
              ]),
        );
        return EXIT_OK;
      },
    },
  ],
};
