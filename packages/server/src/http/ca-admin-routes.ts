import { AdminProblem } from '../admin/problem.js';
import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import { CaError } from '../ca/ca-error.js';
import type { CaAuthorityRecord, IssuedCertificateRecord } from '../store/ports/ca-store.js';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import { CsrError, MAX_CSR_BYTES } from '../ca/certification-request.js';
import { normalizeSerial } from '../ca/certificate-builder.js';
import type { AdminRoute } from './admin-route.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** `IssuedCertificateRecord` as the admin API shows it (docs/admin-api.md, "Certificates"). */
export function certificateToJson(record: IssuedCertificateRecord): Record<string, unknown> {
  return {
    serial: record.serial,
    agent_id: record.agentId,
    kind: record.kind,
    ca_id: record.caId,
    issued_at: iso(record.issuedAt),
    not_after: iso(record.notAfter),
    revoked_at: iso(record.revokedAt),
  };
}

function authorityToJson(ca: CertificateAuthority, record: CaAuthorityRecord): Record<string, unknown> {
  const certificate = [...ca.trustBundle().roots, ...ca.trustBundle().intermediates].find((c) => c.raw.toString('base64') === record.certificate);
  return {
    id: record.id,
    kind: record.kind,
    state: record.state,
    subject: certificate?.subject.replaceAll('\n', ', ') ?? null,
    not_before: certificate === undefined ? null : new Date(certificate.validFrom).toISOString(),
    not_after: iso(record.notAfter),
    external: record.external,
    has_key: record.encryptedPrivateKey !== null,
    activated_at: iso(record.activatedAt),
    certificate_pem: certificate?.toString() ?? null,
  };
}

function describe(ca: CertificateAuthority): Record<string, unknown> {
  return { trust_domain: ca.trustDomain, active_id: ca.activeId() ?? null, authorities: ca.authorities().map((r) => authorityToJson(ca, r)) };
}

const SERIAL = { type: 'string', minLength: 1, maxLength: 64 } as const;

/**
 * Admin routes of the CA (docs/admin-api.md): certificates (list, revoke, issue for an agent from a
 * CSR made by `agentauth certs issue`) and the hierarchy (show, rotate, import). Registered whether
 * or not this server runs a CA, so the OpenAPI document never changes; without one they answer 404.
 */
export function caAdminRoutes(ca: CertificateAuthority | undefined): AdminRoute[] {
  const need = (): CertificateAuthority => {
    if (ca === undefined) throw new AdminProblem('not_found', 'this server runs no certificate authority');
    return ca;
  };
  return [
    {
      method: 'GET',
      url: '/certificates',
      operationId: 'listCertificates',
      summary: 'List issued certificates, newest first (serial, agent, expiry, revocation); filter by agent.',
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            agent_id: { type: 'string', pattern: AGENT_ID_PATTERN.source },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
      },
      success: { status: 200, schema: 'CertificatePage' },
      authenticated: true,
      handler: async (request) => {
        const query = request.query as { agent_id?: string; limit: number; cursor?: string };
        let page;
        try {
          page = await need().listCertificatesPage(query.agent_id, query.limit, query.cursor);
        } catch (error) {
          if (error instanceof RangeError) throw new AdminProblem('validation_failed', 'the cursor is not one this API returned');
          throw error;
        }
        return { items: page.items.map(certificateToJson), ...(page.next === undefined ? {} : { next_cursor: page.next }) };
      },
    },
    {
      method: 'POST',
      url: '/certificates/:serial/revoke',
      operationId: 'revokeCertificate',
      summary: 'Revoke a certificate; its CRL is reissued before the answer.',
      schema: { params: { type: 'object', required: ['serial'], properties: { serial: SERIAL } } },
      bodyOptional: true,
      success: { status: 200, schema: 'Certificate' },
      authenticated: true,
      handler: async (request, _reply, ctx) => {
        const serial = normalizeSerial((request.params as { serial: string }).serial);
        const record = serial === undefined ? undefined : await need().revoke(serial, ctx.audit);
        if (record === undefined) throw new AdminProblem('not_found', 'no certificate with that serial');
        return certificateToJson(record);
      },
    },
    {
      method: 'POST',
      url: '/agents/:id/certificates',
      operationId: 'issueAgentCertificate',
      summary: "Issue an X.509-SVID for the agent from a PEM CSR (the key stays with the caller): what `agentauth certs issue` uses.",
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: AGENT_ID_PATTERN.source } } },
        body: { type: 'object', additionalProperties: false, required: ['csr'], properties: { csr: { type: 'string', minLength: 1, maxLength: MAX_CSR_BYTES * 2 } } },
      },
      success: { status: 201, schema: 'IssuedCertificate' },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        const authority = need();
        try {
          const issued = await authority.issueForAgent((request.params as { id: string }).id, (request.body as { csr: string }).csr, ctx.audit);
          reply.code(201);
          return { spiffe_id: issued.spiffeId, serial: issued.serial, certificate_chain: issued.chainPem, trust_bundle: authority.trustBundle().pem, expires_at: iso(issued.notAfter) };
        } catch (error) {
          if (error instanceof CsrError) throw new AdminProblem('validation_failed', `csr: ${error.code}: ${error.message}`);
          if (error instanceof CaError) throw new AdminProblem('conflict', 'the agent does not exist or is not active');
          throw error;
        }
      },
    },
    {
      method: 'GET',
      url: '/ca',
      operationId: 'getCertificateAuthority',
      summary: 'The CA hierarchy: trust domain, roots and issuing CAs with their states and certificates.',
      schema: {},
      success: { status: 200, schema: 'CertificateAuthority' },
      authenticated: true,
      handler: async () => describe(need()),
    },
    {
      method: 'POST',
      url: '/ca/rotate',
      operationId: 'rotateCertificateAuthority',
      summary: 'Activate a successor issuing CA now (the current one becomes old and stays in the bundle).',
      schema: {},
      bodyOptional: true,
      success: { status: 200, schema: 'CertificateAuthority' },
      authenticated: true,
      handler: async (_request, _reply, ctx) => {
        const authority = need();
        try {
          await authority.rotate(ctx.audit);
        } catch (error) {
          if (error instanceof CaError) throw new AdminProblem('conflict', error.message);
          throw error;
        }
        return describe(authority);
      },
    },
    {
      method: 'POST',
      url: '/ca/import',
      operationId: 'importCertificateAuthority',
      summary: 'Import an external root (certificate + key) or issuing CA (certificate + key + root certificate), PEM.',
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['certificate', 'private_key'],
          properties: {
            certificate: { type: 'string', minLength: 1, maxLength: 16384 },
            private_key: { type: 'string', minLength: 1, maxLength: 16384 },
            root_certificate: { type: 'string', minLength: 1, maxLength: 16384 },
          },
        },
      },
      success: { status: 200, schema: 'CertificateAuthority' },
      authenticated: true,
      handler: async (request, _reply, ctx) => {
        const authority = need();
        const body = request.body as { certificate: string; private_key: string; root_certificate?: string };
        try {
          await authority.importCa(
            { certificatePem: body.certificate, privateKeyPem: body.private_key, ...(body.root_certificate === undefined ? {} : { rootCertificatePem: body.root_certificate }) },
            ctx.audit,
          );
        } catch (error) {
          if (error instanceof CaError) throw new AdminProblem('validation_failed', error.message);
          throw error;
        }
        return describe(authority);
      },
    },
  ];
}
