import { signingKeyToJson } from '../admin/agent-json.js';
import { rfc3339 } from '../admin/wire/primitives.js';
import { KeySchedule, RotateKeysRequest, Rotation, SigningKeyList } from '../admin/wire/signing-key.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { RotateOptions } from '../keys/key-ring.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { SigningKeyStore } from '../store/ports/signing-key-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** The key ring as the admin API uses it: rotation takes the `force` option of RotatingSigningKeyRing. */
export interface AdminKeyRing extends Pick<SigningKeyRing, 'publicKey' | 'signer'> {
  rotateNow(options?: RotateOptions): Promise<void>;
}

/** `GET /keys`, `GET /keys/schedule` and `POST /keys/rotate` (docs/admin-api.md). */
export function keyRoutes(deps: { clock: Clock; config: Pick<Config, 'keyRotationInterval'>; store: Pick<SigningKeyStore, 'listSigningKeys'>; keys: AdminKeyRing }): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/keys',
      operationId: 'listSigningKeys',
      summary: 'List the signing keys not yet expired, in every state (public facts only).',
      schema: {},
      success: { status: 200, schema: SigningKeyList },
      authenticated: true,
      handler: async () => ({ items: (await deps.store.listSigningKeys(deps.clock.now())).map(signingKeyToJson) }),
    }),
    adminRoute({
      method: 'GET',
      url: '/keys/schedule',
      operationId: 'getKeyRotationSchedule',
      summary: 'When the active signing key is rotated next: the rotation interval, the active key and since when it signs.',
      schema: {},
      success: { status: 200, schema: KeySchedule },
      authenticated: true,
      handler: async () => {
        const kid = deps.keys.signer().kid;
        const active = (await deps.store.listSigningKeys(deps.clock.now())).find((k) => k.kid === kid);
        // The signer is always a stored key; without it the ring is broken, and says so as a 500.
        if (active === undefined) throw new Error('the active signing key is not in the store');
        const since = active.activatedAt ?? active.createdAt;
        const interval = deps.config.keyRotationInterval;
        return { rotation_interval_seconds: interval, active_kid: kid, active_since: rfc3339(since), next_rotation_at: rfc3339(since + interval * 1000) };
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/keys/rotate',
      operationId: 'rotateSigningKeys',
      summary: 'Activate the prepared key and prepare a new one (force: even if it was published too recently).',
      schema: { body: RotateKeysRequest },
      bodyOptional: true,
      success: { status: 200, schema: Rotation },
      authenticated: true,
      handler: async ({ body }) => {
        // RotationTooSoonError propagates to the error handler: 409 rotation_too_soon.
        await deps.keys.rotateNow({ force: body.force === true });
        const keys = await deps.store.listSigningKeys(deps.clock.now());
        const prepared = keys.find((k) => k.state === 'prepared');
        // Rotating always prepares a successor; without one the ring is broken, and says so as a 500.
        if (prepared === undefined) throw new Error('key rotation left no prepared key');
        return { active_kid: deps.keys.signer().kid, prepared_kid: prepared.kid };
      },
    }),
  ];
}
