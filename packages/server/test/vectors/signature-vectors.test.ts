import { createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble, buildCsr, pem } from '../support/csr-builder.js';
import { signEd25519Bytes, signEs256Bytes } from '../support/hostile-jose.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, FORM, form, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';
import { DER_TRANSFORMS, ED25519_TRANSFORMS, P1363_TRANSFORMS, readDerEcdsa, vectorGroups, wycheproofVerdict, type SignatureTransform, type VectorFile } from './wycheproof.js';

/**
 * Wycheproof (vendored in ./wycheproof, see its README) against every signature check the server
 * makes, in two layers.
 *
 * 1. The crypto layer: every vector, valid and invalid, through the exact `node:crypto` call each
 *    path makes, asserting the vector's `result`:
 *    - ES256 (`ecdsa_secp256r1_sha256_p1363_test.json`): `crypto.verify('sha256', …, { dsaEncoding:
 *      'ieee-p1363' })` behind a 64-byte length check, as client assertions at /token
 *      (oauth/client-auth/compact-jws.ts), our own access tokens at /introspect, /revoke and token
 *      exchange (the same file), and DPoP proofs at /token (resource-server
 *      node/node-dpop-crypto.ts) verify;
 *    - DER ECDSA (`ecdsa_secp256r1_sha256_test.json`): `crypto.verify('sha256', …)` with the DER
 *      default, as the CA verifies a CSR's self-signature (ca/certification-request.ts);
 *    - Ed25519 (`ed25519_test.json`): `crypto.verify(null, …)`, as EdDSA assertions, proofs, tokens
 *      and CSRs verify.
 *    These files hold no `acceptable` vectors; one would fail the lookup and need a decision here.
 * 2. The entry points: a vector's message is arbitrary and cannot be a JWS signing input or a
 *    CertificationRequestInfo, so each Wycheproof class of signature (by its comment: r or s = 0,
 *    r or s >= n, malleated s, sizes, BER and broken DER, s + L, …) is applied to a real signature
 *    over a real input and sent through HTTP: `POST /token` (ES256 and EdDSA client assertions;
 *    ES256 and EdDSA DPoP proofs), `POST /introspect` (our ES256 and EdDSA access tokens), `POST
 *    /ca/v1/certificates` (ECDSA DER and Ed25519 CSRs). Each must be accepted exactly where
 *    Wycheproof says `valid` (the malleated ECDSA s is valid: ECDSA has no canonical s) and refused
 *    with the entry point's documented error where it says `invalid`.
 */

const hex = (value: string) => Buffer.from(value, 'hex');

describe('Wycheproof vectors through the node:crypto calls the server makes', () => {
  const run = (file: VectorFile, importKey: (group: ReturnType<typeof vectorGroups>[number]) => KeyObject, verify: (key: KeyObject, msg: Buffer, sig: Buffer) => boolean) => {
    let count = 0;
    for (const group of vectorGroups(file)) {
      const key = importKey(group);
      for (const vector of group.tests) {
        expect(vector.result, `tcId ${vector.tcId}`).not.toBe('acceptable');
        expect(verify(key, hex(vector.msg), hex(vector.sig)), `tcId ${vector.tcId}: ${vector.comment} [${vector.flags.join(', ')}]`).toBe(vector.result === 'valid');
        count += 1;
      }
    }
    return count;
  };
  const safely = (f: () => boolean) => {
    try {
      return f();
    } catch {
      return false;
    }
  };

  it('ES256 as JWS signatures (P1363): client assertions, our access tokens, DPoP proofs', () => {
    const count = run(
      'ecdsa_secp256r1_sha256_p1363_test.json',
      // Client and DPoP keys arrive as JWKs; groups without one import the same key from DER.
      (group) => (group.publicKeyJwk === undefined ? createPublicKey({ key: hex(group.publicKeyDer), format: 'der', type: 'spki' }) : createPublicKey({ key: group.publicKeyJwk as unknown as JWK & { kty: string }, format: 'jwk' })),
      (key, msg, sig) => sig.length === 64 && safely(() => cryptoVerify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig)),
    );
    expect(count).toBe(262);
  });

  it('ECDSA P-256 in DER: the CSR self-signature', () => {
    const count = run(
      'ecdsa_secp256r1_sha256_test.json',
      (group) => createPublicKey({ key: hex(group.publicKeyDer), format: 'der', type: 'spki' }),
      (key, msg, sig) => safely(() => cryptoVerify('sha256', msg, key, sig)),
    );
    expect(count).toBe(484);
  });

  it('Ed25519: EdDSA assertions, tokens, proofs and CSRs', () => {
    const count = run(
      'ed25519_test.json',
      (group) => createPublicKey({ key: hex(group.publicKeyDer), format: 'der', type: 'spki' }),
      (key, msg, sig) => safely(() => cryptoVerify(null, msg, key, sig)),
    );
    expect(count).toBe(151);
  });
});

describe('Wycheproof signature classes at the HTTP entry points', () => {
  const ISSUER = 'https://as.example.com';
  const TOKEN_URL = `${ISSUER}/token`;
  const RESOURCE = 'https://api.example.com';
  let t: TestServer;
  let es256Agent: TestAgent;
  let eddsaAgent: TestAgent;
  let edKeys: CryptoKeyPair;
  let edJwk: JWK;
  let ecProofKeys: CryptoKeyPair;
  let ecProofJwk: JWK;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { AGENTAUTH_ISSUER: ISSUER, AGENTAUTH_RATE_LIMITS: 'off' });
    es256Agent = await createAgent(t.server, { scopes: ['orders:read', 'agentauth:introspect', 'agentauth:cert'] });
    edKeys = (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
    edJwk = await exportJWK(edKeys.publicKey);
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/admin/v1/agents',
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
      payload: { name: 'ed-agent', owner: 'team-test', scopes: ['orders:read'], resources: [RESOURCE], jwks: { keys: [{ ...edJwk, kid: 'ed1', alg: 'EdDSA' }] } },
    });
    expect(created.statusCode, created.body).toBe(201);
    eddsaAgent = { id: (created.json() as { agent: { id: string } }).agent.id, privateKey: edKeys.privateKey, publicJwk: edJwk, kid: 'ed1' };
    ecProofKeys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    ecProofJwk = await exportJWK(ecProofKeys.publicKey);
  });
  afterAll(async () => {
    await t.close();
  });

  const now = () => Math.floor(t.clock.now() / 1000);
  const withSignature = (jws: string, transform: SignatureTransform) => {
    const [h, p, s] = jws.split('.') as [string, string, string];
    return `${h}.${p}.${transform.apply(Buffer.from(s, 'base64url')).toString('base64url')}`;
  };
  const postToken = async (assertion: string, dpop?: string) =>
    t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: { ...FORM, ...(dpop === undefined ? {} : { dpop }) },
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, resource: RESOURCE }),
    });

  /** Each transform, the verdict Wycheproof gives its class, and what the entry point did. */
  async function throughEntryPoint(file: VectorFile, transforms: readonly SignatureTransform[], attempt: (transform: SignatureTransform) => Promise<'accepted' | 'refused'>) {
    for (const transform of transforms) {
      const expected = wycheproofVerdict(file, transform.comment) === 'valid' ? 'accepted' : 'refused';
      expect(await attempt(transform), `${file}: "${transform.comment}"`).toBe(expected);
    }
  }

  it('ES256 client assertions at POST /token: 200 exactly for the valid classes, else 401 invalid_client', async () => {
    await throughEntryPoint('ecdsa_secp256r1_sha256_p1363_test.json', P1363_TRANSFORMS, async (transform) => {
      const response = await postToken(withSignature(await clientAssertion(es256Agent, t.clock.now(), { claims: { aud: ISSUER } }), transform));
      if (response.statusCode === 200) return 'accepted';
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: 'invalid_client' });
      return 'refused';
    });
  });

  it('EdDSA client assertions at POST /token: 200 exactly for the valid classes, else 401 invalid_client', async () => {
    const assertion = () =>
      signEd25519Bytes(JSON.stringify({ alg: 'EdDSA', kid: 'ed1' }), JSON.stringify({ iss: eddsaAgent.id, sub: eddsaAgent.id, aud: ISSUER, jti: crypto.randomUUID(), iat: now(), exp: now() + 60 }), edKeys.privateKey);
    expect((await postToken(await assertion())).statusCode).toBe(200);
    await throughEntryPoint('ed25519_test.json', ED25519_TRANSFORMS, async (transform) => {
      const response = await postToken(withSignature(await assertion(), transform));
      if (response.statusCode === 200) return 'accepted';
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: 'invalid_client' });
      return 'refused';
    });
  });

  it('ES256 and EdDSA DPoP proofs at POST /token: a DPoP token exactly for the valid classes, else 400 invalid_dpop_proof', async () => {
    const proof = (alg: 'ES256' | 'EdDSA') => {
      const header = JSON.stringify({ typ: 'dpop+jwt', alg, jwk: alg === 'ES256' ? ecProofJwk : edJwk });
      const claims = JSON.stringify({ jti: crypto.randomUUID(), htm: 'POST', htu: TOKEN_URL, iat: now() });
      return alg === 'ES256' ? signEs256Bytes(header, claims, ecProofKeys.privateKey) : signEd25519Bytes(header, claims, edKeys.privateKey);
    };
    const attempt = (alg: 'ES256' | 'EdDSA') => async (transform: SignatureTransform) => {
      const response = await postToken(await clientAssertion(es256Agent, t.clock.now(), { claims: { aud: ISSUER } }), withSignature(await proof(alg), transform));
      if (response.statusCode === 200) {
        expect(response.json()).toMatchObject({ token_type: 'DPoP' });
        return 'accepted';
      }
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ error: 'invalid_dpop_proof' });
      return 'refused';
    };
    await throughEntryPoint('ecdsa_secp256r1_sha256_p1363_test.json', P1363_TRANSFORMS, attempt('ES256'));
    await throughEntryPoint('ed25519_test.json', ED25519_TRANSFORMS, attempt('EdDSA'));
  });

  it('our own ES256 access tokens at POST /introspect: active exactly for the valid classes', async () => {
    const issued = (await postToken(await clientAssertion(es256Agent, t.clock.now(), { claims: { aud: ISSUER } }))).json() as { access_token: string };
    expect(t.server.deps.keys.signer().alg).toBe('ES256');
    await throughEntryPoint('ecdsa_secp256r1_sha256_p1363_test.json', P1363_TRANSFORMS, async (transform) => {
      const response = await t.server.app.inject({
        method: 'POST',
        url: '/introspect',
        headers: FORM,
        payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(es256Agent, t.clock.now(), { claims: { aud: ISSUER } }), token: withSignature(issued.access_token, transform) }),
      });
      expect(response.statusCode).toBe(200);
      return (response.json() as { active: boolean }).active ? 'accepted' : 'refused';
    });
  });

  it('ECDSA (DER) and Ed25519 CSRs at POST /ca/v1/certificates: 201 exactly for the valid classes, else 400 bad_signature', async () => {
    const token = await t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(es256Agent, t.clock.now(), { claims: { aud: ISSUER } }), scope: 'agentauth:cert', resource: ISSUER }),
    });
    const bearer = (token.json() as { access_token: string }).access_token;
    const issue = async (der: Buffer) => {
      const response = await t.server.app.inject({ method: 'POST', url: '/ca/v1/certificates', headers: { authorization: `Bearer ${bearer}` }, payload: { csr: pem(der) } });
      if (response.statusCode === 201) return 'accepted' as const;
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ error: 'invalid_csr', csr_error: 'bad_signature' });
      return 'refused' as const;
    };

    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const csr = buildCsr(ec.privateKey, ec.publicKey);
    // "misses leading 0" only means something when s has its top bit set: sign until it has.
    let signature = csr.signature;
    while (readDerEcdsa(signature).s < 2n ** 255n) signature = cryptoSign('sha256', csr.info, ec.privateKey);
    await throughEntryPoint('ecdsa_secp256r1_sha256_test.json', DER_TRANSFORMS, (transform) => issue(assemble({ ...csr, signature: transform.apply(signature) })));

    const ed = generateKeyPairSync('ed25519');
    const edCsr = buildCsr(ed.privateKey, ed.publicKey);
    await throughEntryPoint('ed25519_test.json', ED25519_TRANSFORMS, (transform) => issue(assemble({ ...edCsr, signature: transform.apply(edCsr.signature) })));
  });
});

describe('Wycheproof signature classes on our own EdDSA access tokens', () => {
  it('POST /introspect: active exactly for the valid classes', async () => {
    const t = await startTestServer('sqlite', { AGENTAUTH_SIGNING_ALG: 'EdDSA', AGENTAUTH_RATE_LIMITS: 'off' });
    try {
      const agent = await createAgent(t.server, { scopes: ['orders:read', 'agentauth:introspect'] });
      const call = async (url: string, extra: Record<string, string>) =>
        t.server.app.inject({ method: 'POST', url, headers: FORM, payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()), ...extra }) });
      const issued = ((await call('/token', { grant_type: 'client_credentials', resource: 'https://api.example.com' })).json() as { access_token: string }).access_token;
      expect(t.server.deps.keys.signer().alg).toBe('EdDSA');
      for (const transform of ED25519_TRANSFORMS) {
        const [h, p, s] = issued.split('.') as [string, string, string];
        const response = await call('/introspect', { token: `${h}.${p}.${transform.apply(Buffer.from(s, 'base64url')).toString('base64url')}` });
        expect(response.statusCode).toBe(200);
        const expected = wycheproofVerdict('ed25519_test.json', transform.comment) === 'valid';
        expect((response.json() as { active: boolean }).active, transform.comment).toBe(expected);
      }
    } finally {
      await t.close();
    }
  });
});
