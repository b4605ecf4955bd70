/**
 * The slot of a rotating key: a token signing key (`keys/`) or an issuing CA (`ca/`). Both rotate
 * the same way, SPIRE's, which is also RFC 7517 key rollover:
 *
 * - `prepared`: published (in the JWKS, in the trust bundle) but used for nothing yet, so relying
 *   parties that cache what we publish hold it before anything signed with it reaches them;
 * - `active`: the one that signs (tokens; certificates);
 * - `old`: replaced; signs nothing new (an old CA still signs its own CRL) and stays published
 *   until everything it signed has expired, then is removed.
 *
 * The steps between them: a key is prepared (made, in `prepared`), activated (`prepared` ->
 * `active`, a rotation) and retired (`active` -> `old`). A signing key's `retiredAt` and the
 * `signing_key.retired` audit event name that last step. Roots of the CA are `active` or `old` only.
 */
export type KeySlot = 'prepared' | 'active' | 'old';

/** Every slot, in the order a key goes through them (the admin API's schemas list them so). */
export const KEY_SLOTS: readonly KeySlot[] = Object.freeze(['prepared', 'active', 'old']);
