import { AdminProblem } from '../admin/problem.js';
import { AgentParams } from '../admin/wire/agent.js';
import {
  CERTIFICATE_PAGE_LIMIT_DEFAULT,
  Certificate,
  CertificateAuthority as CertificateAuthorityJson,
  CertificatePage,
  CrlStatusList,
  CertificateParams,
  ImportCaRequest,
  IssueCertificateRequest,
  IssuedCertificate,
  ListCertificatesQuery,
  type Authority,
} from '../admin/wire/certificate.js';
import { rfc3339, rfc3339OrNull } from '../admin/wire/primitives.js';
import { CaError } from '../ca/ca-error.js';
import type { CaAuthorityRecord, IssuedCertificateRecord } from '../store/ports/ca-store.js';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import { CsrError } from '../ca/certification-request.js';
import { normalizeSerial } from '../ca/certificate-builder.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** `IssuedCertificateRecord` as the admin API shows it (docs/admin-api.md, "Certificates"). */
export function certificateToJson(record: IssuedCertificateRecord): Certificate {
  return {
    serial: record.serial,
    agent_id: record.agentId,
    kind: record.kind,
    ca_id: record.caId,
    issued_at: rfc3339(record.issuedAt),
    not_after: rfc3339(record.notAfter),
    revoked_at: rfc3339OrNull(record.revokedAt),
  };
}

function authorityToJson(ca: CertificateAuthority, record: CaAuthorityRecord): Authority {
  const certificate = [...ca.trustBundle().roots, ...ca.trustBundle().intermediates].find((c) => c.raw.toString('base64') === record.certificate);
  return {
    id: record.id,
    kind: record.kind,
    state: record.state,
    subject: certificate?.subject.replaceAll('\n', ', ') ?? null,
    not_before: certificate === undefined ? null : new Date(certificate.validFrom).toISOString(),
    not_after: rfc3339(record.notAfter),
    external: record.external,
    has_key: record.encryptedPrivateKey !== null,
    activated_at: rfc3339OrNull(record.activatedAt),
    certificate_pem: certificate?.toString() ?? null,
  };
}

function describe(ca: CertificateAuthority): CertificateAuthorityJson {
  return { trust_domain: ca.trustDomain, active_id: ca.activeId() ?? null, authorities: ca.authorities().map((r) => authorityToJson(ca, r)) };
}

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
    adminRoute({
      method: 'GET',
      url: '/certificates',
      operationId: 'listCertificates',
      summary: 'List issued certificates, newest first (serial, agent, expiry, revocation); filter by agent.',
      schema: { querystring: ListCertificatesQuery },
      success: { status: 200, schema: CertificatePage },
      authenticated: true,
      handler: async ({ query }) => {
        let page;
        try {
          page = await need().listCertificatesPage(query.agent_id, query.limit ?? CERTIFICATE_PAGE_LIMIT_DEFAULT, query.cursor);
        } catch (error) {
          if (error instanceof RangeError) throw new AdminProblem('validation_failed', 'the cursor is not one this API returned');
          throw error;
        }
        return { items: page.items.map(certificateToJson), ...(page.next === undefined ? {} : { next_cursor: page.next }) };
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/certificates/:serial/revoke',
      operationId: 'revokeCertificate',
      summary: 'Revoke a certificate; its CRL is reissued before the answer.',
      schema: { params: CertificateParams },
      bodyOptional: true,
      success: { status: 200, schema: Certificate },
      authenticated: true,
      handler: async ({ params }, _reply, ctx) => {
        const serial = normalizeSerial(params.serial);
        const record = serial === undefined ? undefined : await need().revoke(serial, ctx.audit);
        if (record === undefined) throw new AdminProblem('not_found', 'no certificate with that serial');
        return certificateToJson(record);
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/agents/:id/certificates',
      operationId: 'issueAgentCertificate',
      summary: "Issue an X.509-SVID for the agent from a PEM CSR (the key stays with the caller): what `agentauth certs issue` uses.",
      schema: { params: AgentParams, body: IssueCertificateRequest },
      success: { status: 201, schema: IssuedCertificate },
      authenticated: true,
      handler: async ({ params, body }, reply, ctx) => {
        const authority = need();
        try {
          const issued = await authority.issueForAgent(params.id, body.csr, ctx.audit);
          // Only server certificates go without a SPIFFE ID; an agent's SVID always carries one.
          if (issued.spiffeId === null) throw new Error('an agent certificate was issued without its SPIFFE ID');
          reply.code(201);
          return { spiffe_id: issued.spiffeId, serial: issued.serial, certificate_chain: issued.chainPem, trust_bundle: authority.trustBundle().pem, expires_at: rfc3339(issued.notAfter) };
        } catch (error) {
          if (error instanceof CsrError) throw new AdminProblem('validation_failed', `csr: ${error.code}: ${error.message}`);
          if (error instanceof CaError) throw new AdminProblem('conflict', error.code === 'policy_denied' ? error.message : 'the agent does not exist or is not active');
          throw error;
        }
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/ca',
      operationId: 'getCertificateAuthority',
      summary: 'The CA hierarchy: trust domain, roots and issuing CAs with their states and certificates.',
      schema: {},
      success: { status: 200, schema: CertificateAuthorityJson },
      authenticated: true,
      handler: async () => describe(need()),
    }),
    adminRoute({
      method: 'GET',
      url: '/ca/crls',
      operationId: 'listCrlStatus',
      summary: "Each issuing CA's current CRL: its number, thisUpdate and nextUpdate, and how many revoked certificates it lists.",
      schema: {},
      success: { status: 200, schema: CrlStatusList },
      authenticated: true,
      handler: async () => {
        const authority = need();
        const active = authority.activeId();
        const issuing = authority
          .authorities()
          .filter((r) => r.kind === 'intermediate')
          .sort((a, b) => Number(b.id === active) - Number(a.id === active));
        const items = [];
        for (const record of issuing) {
          const { crl, revoked } = await authority.crls.status(record.id);
          items.push({ ca_id: record.id, crl_number: crl?.number ?? null, this_update: rfc3339OrNull(crl?.thisUpdate ?? null), next_update: rfc3339OrNull(crl?.nextUpdate ?? null), revoked_certificates: revoked });
        }
        return { items };
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/ca/rotate',
      operationId: 'rotateCertificateAuthority',
      summary: 'Activate a successor issuing CA now (the current one becomes old and stays in the bundle).',
      schema: {},
      bodyOptional: true,
      success: { status: 200, schema: CertificateAuthorityJson },
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
    }),
    adminRoute({
      method: 'POST',
      url: '/ca/import',
      operationId: 'importCertificateAuthority',
      summary: 'Import an external root (certificate + key) or issuing CA (certificate + key + root certificate), PEM.',
      schema: { body: ImportCaRequest },
      success: { status: 200, schema: CertificateAuthorityJson },
      authenticated: true,
      handler: async ({ body }, _reply, ctx) => {
        const authority = need();
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
    }),
  ];
}
