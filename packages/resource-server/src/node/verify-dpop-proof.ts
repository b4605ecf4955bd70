import { createDpopProofVerifier, type VerifiedDpopProof, type VerifyDpopProofOptions } from '../dpop/verify-dpop-proof.js';
import { nodeDpopCrypto } from './node-dpop-crypto.js';

/**
 * The core's `verifyDpopProof` (RFC 9449 §4.3), every rule the same, with its signatures checked
 * by `node:crypto` rather than Web Crypto: for the authorization server's token endpoint, where
 * each proof's cost counts against issuance.
 */
export const verifyDpopProof: (proof: string, options: VerifyDpopProofOptions) => Promise<VerifiedDpopProof> = createDpopProofVerifier(nodeDpopCrypto);
