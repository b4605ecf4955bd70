import { generateAuthenticationOptions, verifyAuthenticationResponse, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { PasskeyStore } from '../store/ports/passkey-store.js';
import type { UserStore } from '../store/ports/user-store.js';
import { reasonOf } from './passkey-registration.js';
import type { SignIn, SignInRequest, SignInResult } from './sign-in.js';
import { parseAuthenticationResponse } from './webauthn-response.js';
import { CEREMONY_TIMEOUT_MS, type RelyingParty, type WebAuthnChallenges } from './webauthn-relying-party.js';

/** What passkey sign-in needs. */
export interface PasskeySignInDeps {
  clock: Clock;
  store: Pick<PasskeyStore, 'getPasskey' | 'recordPasskeyUse'> & Pick<UserStore, 'getUser'>;
  audit: Pick<AuditLog, 'record'>;
  challenges: WebAuthnChallenges;
  relyingParty: RelyingParty;
  /** The password sign-in, whose standing rule, lockout, address limit, refusals and sessions this shares. */
  signIn: SignIn;
}

/**
 * Sign-in with a passkey (docs/people.md, "Passkeys"), usernameless: the options name no
 * credential (`allowCredentials` empty, §5.4.4), the authenticator offers the discoverable
 * credentials it holds for our RP ID, and the response says whose it is (the credential id, and
 * the user handle, which must be the same person's id). A passkey is a complete sign-in: the
 * authenticator verified its user (UV, required) and holds a key that signs only for our origin,
 * so it is a phishing-resistant multi-factor authenticator (NIST SP 800-63B §5.1.8, AAL3 for
 * hardware-bound keys) and no TOTP code is asked after it.
 *
 * The ceremony (§7.2) is `@simplewebauthn/server`'s: client data type, challenge and origin
 * (steps 11-13), RP ID hash (15), UP and UV (16-17), the signature over the authenticator data and
 * the client data hash (20). The signature counter (step 21) is judged here, after the signature
 * is verified, so only a counter the authenticator signed can mark a credential as cloned.
 * Everything the password step applies applies here too: the address limit, the person's
 * standing (suspended, disabled, locked), the lockout count, one refusal page, and
 * `user_login.failed` with the reason and the credential id.
 */
export class PasskeySignIn {
  constructor(private readonly deps: PasskeySignInDeps) {}

  /** Request options (§5.5) with a fresh challenge bound to `binding`, the sign-in form's cookie; or the address's wait. */
  async options(binding: string, request: SignInRequest): Promise<PublicKeyCredentialRequestOptionsJSON | SignInResult> {
    const limited = this.deps.signIn.addressLimited(request);
    if (limited !== undefined) return limited;
    const challenge = await this.deps.challenges.issue('sign_in', binding, null);
    return generateAuthenticationOptions({ rpID: this.deps.relyingParty.id, challenge, timeout: CEREMONY_TIMEOUT_MS, userVerification: 'required', allowCredentials: [] });
  }

  /** The assertion the browser returned; a session, a refusal or the address's wait. */
  async signIn(binding: string, responseText: string | undefined, request: SignInRequest): Promise<SignInResult> {
    const { signIn } = this.deps;
    const limited = signIn.addressLimited(request);
    if (limited !== undefined) return limited;
    const parsed = parseAuthenticationResponse(responseText);
    if (typeof parsed === 'string') return signIn.refuse(null, `passkey: ${parsed}`, request, true, { method: 'passkey' });
    const credentialId = parsed.credential.id;
    const detail = { method: 'passkey', credential_id: credentialId };
    if ((await this.deps.challenges.claim(parsed.challenge, 'sign_in', binding)) === undefined) return signIn.refuse(null, 'passkey: challenge unknown, used, expired or not this browser\u2019s', request, true, detail);
    const passkey = await this.deps.store.getPasskey(credentialId);
    if (passkey === undefined) return signIn.refuse(null, 'passkey: unknown credential', request, true, detail);
    const user = await this.deps.store.getUser(passkey.userId);
    if (user === undefined) return signIn.refuse(null, 'passkey: unknown credential', request, true, detail);
    const handle = parsed.credential.response.userHandle;
    // §7.2 step 6: the user handle, when given, must be the credential's owner.
    if (handle !== undefined && Buffer.from(handle, 'base64url').toString('utf8') !== user.id) return signIn.refuse(user, 'passkey: user handle is not the credential\u2019s owner', request, true, detail);
    const standing = signIn.standing(user);
    if (standing !== undefined) return signIn.refuse(user, standing, request, false, detail);
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response: parsed.credential,
        expectedChallenge: parsed.challenge,
        expectedOrigin: this.deps.relyingParty.origin,
        expectedRPID: this.deps.relyingParty.id,
        expectedType: 'webauthn.get',
        requireUserVerification: true,
        // The counter is judged below, once the signature is verified (a counter of 0 turns the library's own check off).
        credential: { id: passkey.credentialId, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')), counter: 0 },
      });
    } catch (error) {
      return signIn.refuse(user, `passkey: verification failed: ${reasonOf(error)}`, request, true, detail);
    }
    if (!verified.verified) return signIn.refuse(user, 'passkey: signature invalid', request, true, detail);
    const counter = verified.authenticationInfo.newCounter;
    // §6.1.1, §7.2 step 21: a counter that did not grow, when either is non-zero, may be a clone.
    if ((counter > 0 || passkey.counter > 0) && counter <= passkey.counter) {
      const now = this.deps.clock.now();
      await this.deps.audit.record({
        time: now,
        event: 'passkey.clone_suspected',
        outcome: 'failure',
        agentId: null,
        actor: null,
        sourceIp: request.address,
        reason: `signature counter ${counter} is not above the stored ${passkey.counter}: possible cloned authenticator`,
        requestId: request.requestId,
        details: { user_id: user.id, credential_id: credentialId, counter, stored_counter: passkey.counter },
      });
      return signIn.refuse(user, 'passkey: signature counter regressed (possible cloned authenticator)', request, true, detail);
    }
    if (!(await this.deps.store.recordPasskeyUse(credentialId, passkey.counter, counter, this.deps.clock.now()))) {
      return signIn.refuse(user, 'passkey: used by another sign-in at the same time', request, true, detail);
    }
    return signIn.startSession(user, request, { second_factor: false, method: 'passkey', credential_id: credentialId });
  }
}
