import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/*
 * A PKCS#10 request (RFC 2986) made locally with node:crypto, so an agent's private key never
 * leaves the machine that runs `agentauth certs issue`. Only what the CA looks at is encoded: the
 * key and its proof of possession; the CA takes the identity from the agent, not the request.
 */

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length = body.length < 0x80 ? Buffer.from([body.length]) : body.length < 0x100 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

/** ecdsa-with-SHA256 (RFC 5758 §3.2), DER. */
const ECDSA_SHA256 = Buffer.from('300a06082a8648ce3d040302', 'hex');

const pem = (label: string, der: Buffer) => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

/** A fresh P-256 key and a CSR signed by it, both PEM. */
export function makeCertificateRequest(): { privateKey: KeyObject; privateKeyPem: string; csrPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const info = tlv(0x30, Buffer.from([0x02, 0x01, 0x00]), tlv(0x30), publicKey.export({ format: 'der', type: 'spki' }), Buffer.from([0xa0, 0x00]));
  const request = tlv(0x30, info, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), sign('sha256', info, privateKey)));
  return { privateKey, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), csrPem: pem('CERTIFICATE REQUEST', request) };
}
