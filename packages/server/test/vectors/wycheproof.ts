import { readFileSync } from 'node:fs';

/**
 * The vendored Wycheproof vectors (wycheproof/README.md) and the classes of invalid signature they
 * name, as transformations that can be applied to a real signature over a real JWS signing input
 * or CSR. A vector's message is arbitrary, so it cannot become a JWS or a CSR; a transformation
 * can, and each one is keyed by the Wycheproof comment it reproduces, whose `result` is the
 * verdict an entry point must reach (looked up in the data, never restated by hand).
 */

export type VectorFile = 'ecdsa_secp256r1_sha256_p1363_test.json' | 'ecdsa_secp256r1_sha256_test.json' | 'ed25519_test.json';

export interface Vector {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

export interface VectorGroup {
  publicKeyDer: string;
  publicKeyJwk?: Record<string, string>;
  tests: Vector[];
}

const cache = new Map<VectorFile, VectorGroup[]>();

export function vectorGroups(file: VectorFile): VectorGroup[] {
  let groups = cache.get(file);
  if (groups === undefined) {
    groups = (JSON.parse(readFileSync(new URL(`./wycheproof/${file}`, import.meta.url), 'utf8')) as { testGroups: VectorGroup[] }).testGroups;
    cache.set(file, groups);
  }
  return groups;
}

/**
 * The verdict Wycheproof gives the vectors whose comment starts with `comment`: there must be at
 * least one, and they must agree.
 */
export function wycheproofVerdict(file: VectorFile, comment: string): 'valid' | 'invalid' {
  const results = new Set(vectorGroups(file).flatMap((g) => g.tests.filter((t) => t.comment.startsWith(comment)).map((t) => t.result)));
  if (results.size !== 1) throw new Error(`${file}: ${results.size === 0 ? 'no vector' : 'vectors disagree'} for "${comment}"`);
  const [result] = [...results];
  if (result === 'acceptable') throw new Error(`${file}: "${comment}" is acceptable; decide its verdict in the test`);
  return result as 'valid' | 'invalid';
}

/** P-256 group order n and field prime p (SEC 2 §2.4.2). */
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
export const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
/** Ed25519 group order L (RFC 8032 §5.1). */
export const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

const toBig = (bytes: Buffer): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`));
function fixed(value: bigint, size: number): Buffer {
  const hex = value.toString(16).padStart(size * 2, '0');
  if (hex.length > size * 2) throw new Error('does not fit');
  return Buffer.from(hex, 'hex');
}
const littleEndian = (bytes: Buffer): bigint => toBig(Buffer.from(bytes).reverse());
const toLittleEndian = (value: bigint, size: number): Buffer => fixed(value, size).reverse();

/** A named change of a signature (bytes in, bytes out), keyed by the Wycheproof comment it reproduces. */
export interface SignatureTransform {
  comment: string;
  apply(signature: Buffer): Buffer;
}

/** ECDSA P-256 in the JWS form, R || S of 32 bytes each (RFC 7518 §3.4, IEEE P1363). */
export const P1363_TRANSFORMS: readonly SignatureTransform[] = (() => {
  const rs = (sig: Buffer) => [toBig(sig.subarray(0, 32)), toBig(sig.subarray(32))] as const;
  const join = (r: bigint, s: bigint) => Buffer.concat([fixed(r, 32), fixed(s, 32)]);
  const special = (rName: string, r: bigint, sName: string, s: bigint): SignatureTransform => ({
    comment: `Signature with special case values r=${rName} and s=${sName}`,
    apply: () => join(r, s),
  });
  return [
    { comment: 'signature malleability', apply: (sig) => join(rs(sig)[0], P256_N - rs(sig)[1]) },
    { comment: 'replaced r by n - r', apply: (sig) => join(P256_N - rs(sig)[0], rs(sig)[1]) },
    { comment: 's == 0', apply: (sig) => join(rs(sig)[0], 0n) },
    special('0', 0n, '0', 0n),
    special('0', 0n, '1', 1n),
    special('1', 1n, '1', 1n),
    special('n', P256_N, 'n', P256_N),
    special('n', P256_N, '1', 1n),
    special('n - 1', P256_N - 1n, 'n - 1', P256_N - 1n),
    special('n + 1', P256_N + 1n, 'n + 1', P256_N + 1n),
    special('p', P256_P, 'p', P256_P),
    special('p + 1', P256_P + 1n, '1', 1n),
    // The size classes: anything but 64 bytes, including r + n and s + n written out in 33 bytes.
    { comment: 'incorrect size of signature', apply: (sig) => sig.subarray(0, 63) },
    { comment: 'incorrect size of signature', apply: (sig) => Buffer.concat([sig, Buffer.from([0])]) },
    { comment: 'incorrect size of signature', apply: (sig) => Buffer.concat([Buffer.from([0]), sig]) },
    { comment: 'incorrect size of signature', apply: (sig) => sig.subarray(0, 32) },
    { comment: 'incorrect size of signature', apply: (sig) => Buffer.concat([fixed(rs(sig)[0] + P256_N, 33), fixed(rs(sig)[1], 33)]) },
    { comment: 'incorrect size of signature', apply: (sig) => Buffer.concat([fixed(rs(sig)[0], 33), fixed(rs(sig)[1] + P256_N, 33)]) },
    { comment: 'incorrect size of signature', apply: (sig) => derEcdsa(rs(sig)[0], rs(sig)[1]) },
    { comment: 'incorrect size of signature', apply: (sig) => Buffer.concat([sig, sig]) },
  ];
})();

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const derTlv = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
/** The minimal two's-complement content octets of a non-negative INTEGER (X.690 §8.3). */
function integerContent(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return (bytes[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}
/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3), in DER. */
export const derEcdsa = (r: bigint, s: bigint): Buffer => derTlv(0x30, Buffer.concat([derTlv(0x02, integerContent(r)), derTlv(0x02, integerContent(s))]));

/** r and s of a DER ECDSA-Sig-Value as produced by a signer (short lengths, as P-256 always has). */
export function readDerEcdsa(sig: Buffer): { r: bigint; s: bigint } {
  const rLength = sig[3] as number;
  const r = sig.subarray(4, 4 + rLength);
  const s = sig.subarray(4 + rLength + 2);
  return { r: toBig(r), s: toBig(s) };
}

/** ECDSA P-256 signatures in DER, as X.509 and PKCS #10 carry them (RFC 3279 §2.2.3, RFC 5758 §3.2). */
export const DER_TRANSFORMS: readonly SignatureTransform[] = (() => {
  const parts = (sig: Buffer) => {
    const { r, s } = readDerEcdsa(sig);
    return { r, s, R: derTlv(0x02, integerContent(r)), S: derTlv(0x02, integerContent(s)), content: sig.subarray(2) };
  };
  return [
    { comment: 'valid', apply: (sig) => sig },
    { comment: 'signature malleability', apply: (sig) => derEcdsa(parts(sig).r, P256_N - parts(sig).s) },
    { comment: 'length of sequence [r, s] uses long form encoding', apply: (sig) => Buffer.concat([Buffer.from([0x30, 0x81, sig.length - 2]), parts(sig).content]) },
    { comment: 'length of sequence [r, s] contains a leading 0', apply: (sig) => Buffer.concat([Buffer.from([0x30, 0x82, 0x00, sig.length - 2]), parts(sig).content]) },
    { comment: 'uint32 overflow in length of sequence [r, s]', apply: (sig) => Buffer.concat([Buffer.from([0x30, 0x85, 0x01, 0x00, 0x00, 0x00, sig.length - 2]), parts(sig).content]) },
    { comment: 'length of sequence [r, s] = 2**31 - 1', apply: (sig) => Buffer.concat([Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]), parts(sig).content]) },
    { comment: 'replaced sequence [r, s] by an indefinite length tag without termination', apply: (sig) => Buffer.concat([Buffer.from([0x30, 0x80]), parts(sig).content]) },
    { comment: 'indefinite length', apply: (sig) => Buffer.concat([Buffer.from([0x30, 0x80]), parts(sig).content, Buffer.from([0, 0])]) },
    { comment: "appending unused 0's to sequence [r, s]", apply: (sig) => Buffer.concat([sig, Buffer.from([0, 0])]) },
    { comment: "appending 0's to sequence [r, s]", apply: (sig) => derTlv(0x30, Buffer.concat([parts(sig).content, Buffer.from([0, 0])])) },
    { comment: 'appending null value to sequence [r, s]', apply: (sig) => derTlv(0x30, Buffer.concat([parts(sig).content, Buffer.from([5, 0])])) },
    { comment: 'changing tag value of sequence [r, s]', apply: (sig) => Buffer.concat([Buffer.from([0x31]), sig.subarray(1)]) },
    { comment: 'dropping value of sequence [r, s]', apply: () => Buffer.from([0x30, 0x00]) },
    { comment: 'removing sequence [r, s]', apply: () => Buffer.alloc(0) },
    { comment: 'truncated sequence [r, s]', apply: (sig) => derTlv(0x30, parts(sig).content.subarray(0, -1)) },
    { comment: 'length of r uses long form encoding', apply: (sig) => derTlv(0x30, Buffer.concat([Buffer.from([0x02, 0x81, parts(sig).R.length - 2]), parts(sig).R.subarray(2), parts(sig).S])) },
    { comment: "prepending 0's to r", apply: (sig) => derTlv(0x30, Buffer.concat([derTlv(0x02, Buffer.concat([Buffer.from([0, 0]), parts(sig).R.subarray(2)])), parts(sig).S])) },
    { comment: 'replacing r with zero', apply: (sig) => derEcdsa(0n, parts(sig).s) },
    { comment: 'replacing s with zero', apply: (sig) => derEcdsa(parts(sig).r, 0n) },
    { comment: 'replaced r by r + n', apply: (sig) => derEcdsa(parts(sig).r + P256_N, parts(sig).s) },
    { comment: 'replaced r by n - r', apply: (sig) => derEcdsa(P256_N - parts(sig).r, parts(sig).s) },
    { comment: 'replaced s by s + n', apply: (sig) => derEcdsa(parts(sig).r, parts(sig).s + P256_N) },
    { comment: 'replaced r by r + 2**256', apply: (sig) => derEcdsa(parts(sig).r + 2n ** 256n, parts(sig).s) },
    { comment: 'Legacy: ASN encoding of s misses leading 0', apply: (sig) => {
      // Meaningful only when s has its top bit set; the caller signs until it has.
      const s = fixed(parts(sig).s, 32);
      return derTlv(0x30, Buffer.concat([parts(sig).R, derTlv(0x02, s)]));
    } },
  ];
})();

/** Ed25519 signatures, R || S with S little-endian (RFC 8032 §5.1.6). */
export const ED25519_TRANSFORMS: readonly SignatureTransform[] = (() => {
  const withS = (sig: Buffer, f: (s: bigint) => bigint) => Buffer.concat([sig.subarray(0, 32), toLittleEndian(f(littleEndian(sig.subarray(32))), 32)]);
  const flipR = (bit: number) => (sig: Buffer) => {
    const out = Buffer.from(sig);
    out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
    return out;
  };
  return [
    { comment: 'the encoded s was replaced by s + L.', apply: (sig) => withS(sig, (s) => s + ED25519_L) },
    { comment: 'the encoded s was replaced by s + 2L.', apply: (sig) => withS(sig, (s) => s + 2n * ED25519_L) },
    { comment: 'the encoded s was replaced by s + 2^255.', apply: (sig) => withS(sig, (s) => s + 2n ** 255n) },
    { comment: 'R==0', apply: (sig) => Buffer.concat([Buffer.alloc(32), sig.subarray(32)]) },
    { comment: 'all bits flipped in R', apply: (sig) => Buffer.concat([Buffer.from(sig.subarray(0, 32).map((b) => b ^ 0xff)), sig.subarray(32)]) },
    { comment: 'modified bit 0 in R.', apply: flipR(0) },
    { comment: 'modified bit 255 in R.', apply: flipR(255) },
    { comment: 'empty signature', apply: () => Buffer.alloc(0) },
    { comment: 's missing', apply: (sig) => sig.subarray(0, 32) },
    { comment: 'signature too short', apply: (sig) => sig.subarray(0, 62) },
    { comment: 'signature too long', apply: (sig) => Buffer.concat([sig, Buffer.from([0, 0])]) },
    { comment: 'appending 0 byte to signature', apply: (sig) => Buffer.concat([sig, Buffer.from([0])]) },
    { comment: 'prepending 0 byte to signature', apply: (sig) => Buffer.concat([Buffer.from([0]), sig]) },
    { comment: 'dropping byte from signature', apply: (sig) => Buffer.concat([sig.subarray(0, 10), sig.subarray(11)]) },
  ];
})();
