import { signingKeyToJson } from '../admin/agent-json.js';
import type { Clock } from '../clock.js';
import type { RotateOptions } from '../keys/key-ring.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { SigningKeyStore } from '../store/ports/signing-key-store.js';
import type { AdminRoute } from './admin-route.js';
import { rotateKeysBody } from './admin-schemas.js';

/** The key ring as the admin API uses it: rotation takes the `force` option of RotatingSigningKeyRing. */
export interface AdminKeyRing extends Pick<SigningKeyRing, 'publicKey' | 'signer'> {
  rotateNow(options?: RotateOptions): Promise<void>;
}

/** `GET /keys` and `POST /keys/rotate` (docs/admin-api.md). */
export function keyRoutes(deps: { clock: Clock; store: Pick<SigningKeyStore, 'listSigningKeys'>; keys: AdminKeyRing }): AdminRoute[] {
  return [
    {
      method: 'GET',
      url: '/keys',
      operationId: 'listSigningKeys',
      summary: 'List the signing keys not yet expired, in every state (public facts only).',
      schema: {},
      success: { status: 200, schema: 'SigningKeyList' },
      authenticated: true,
      handler: async () => ({ items: (await deps.store.listSigningKeys(deps.clock.now())).map(signingKeyToJson) }),
    },
    {
      method: 'POST',
      url: '/keys/rotate',
      operationId: 'rotateSigningKeys',
      summary: 'Promote the next key to signer and publish a new next key (force: even if published too recently).',
      schema: { body: rotateKeysBody },
      bodyOptional: true,
      success: { status: 200, schema: 'Rotation' },
      authenticated: true,
      handler: async (request) => {
        const force = (request.body as { force?: boolean } | undefined)?.force === true;
        // RotationTooSoonError propagates to the error handler: 409 rotation_too_soon.
        await deps.keys.rotateNow({ force });
        const keys = await deps.store.listSigningKeys(deps.clock.now());
        const next = keys.find((k) => k.state === 'next');
        return { active_kid: deps.keys.signer().kid, next_kid: next?.kid ?? null };
      },
    },
  ];
}
