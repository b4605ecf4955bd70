import { generateKeyPairSync } from 'node:crypto';
import { standingFault } from '../agents/agent-standing.js';
import type { AuditInput } from '../store/records.js';
import type { Page } from '../store/ports/page.js';
import { readDer } from '../der/der-reader.js';
import { pem } from '../der/der-writer.js';
import { readCaCertificate, type CaCertificate, type SigningCa } from './ca-certificate.js';
import { CaError } from './ca-error.js';
import type { PolicyAuditFacts } from '../policy/policy-outcome.js';
import { makeIntermediateCa, makeRootCa, openSigningCa } from './ca-hierarchy.js';
import { importAuthority, type CaImport } from './ca-import.js';
import { DEFAULT_CA_ROTATION, planCaImport, planCaRotation, type CaCandidates, type CaPlan, type CaRotationMode } from './ca-rotation-plan.js';
import type { CaAuthorityRecord, IssuedCertificateRecord } from '../store/ports/ca-store.js';
import { checkLeaf, checkLeafWithX509 } from './check-leaf.js';
import { caAuditInput, type CaAuditEntry } from './ca-audit-entry.js';
import { CsrError, csrDer, readCertificationRequest } from './certification-request.js';
import { normalizeSerial, randomSerial, serialHex } from './certificate-builder.js';
import { CrlPublisher } from './crl-publisher.js';
import { LeafTemplate, type LeafRequest } from './leaf-template.js';
import { decodeSubjectPublicKey } from './subject-public-key.js';
import { certificateSerial, checkReenrollIdentity } from './reenroll-identity.js';
import { RevokedSerials } from './revoked-serials.js';
import { agentSpiffeId } from './agent-spiffe-id.js';
import {
  LEAF_BACKDATE_MS,
  MAX_CERTIFICATE_TTL,
  SERVES_LABEL,
  type CaRequestContext,
  type CertificateAuthorityDeps,
  type IssuedCertificate,
  type IssueOptions,
  type TrustBundle,
} from './certificate-authority-types.js';

export { LEAF_BACKDATE_MS, MAX_CERTIFICATE_TTL, SERVES_LABEL } from './certificate-authority-types.js';
export type { CaRequestContext, CertificateAuthorityDeps, IssuedCertificate, IssueOptions, TrustBundle } from './certificate-authority-types.js';

interface Issuing {
  record: CaAuthorityRecord;
  ca: SigningCa;
  template: LeafTemplate;
  chainTail: string;
}

/**
 * The built-in certificate authority (docs/ca.md): a root and an issuing CA per
 * trust domain, SPIRE-style rotation coordinated through the database, X.509-SVID issuance from a
 * CSR with a fixed template and post-signing validation, revocation and CRLs.
 *
 * Nothing runs until `sync()`; `start()` adds the timers (rotation, CRL reissue, agent revocation).
 */
/** A certificate a policy refused: the caller sees `access_denied`, the audit record why. */
class PolicyDeniedCertificate extends CaError {
  constructor(
    readonly detail: string,
    readonly audit: PolicyAuditFacts,
  ) {
    super('policy_denied', 'a policy does not allow this agent a certificate now');
  }
}

export class CertificateAuthority {
  private issuing: Issuing | undefined;
  private signers = new Map<string, SigningCa>();
  private certificates = new Map<string, CaCertificate>();
  private records: CaAuthorityRecord[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly revokedSerials: RevokedSerials;
  readonly crls: CrlPublisher;

  constructor(private readonly deps: CertificateAuthorityDeps) {
    if (!Number.isInteger(deps.certificateTtl) || deps.certificateTtl < 1) throw new TypeError('certificateTtl must be a positive integer (seconds)');
    if (!Number.isInteger(deps.intermediateTtl) || deps.intermediateTtl < 2 * MAX_CERTIFICATE_TTL) throw new TypeError('intermediateTtl must be at least 2 days (seconds)');
    this.revokedSerials = new RevokedSerials(deps.store, () => deps.clock.now());
    this.crls = new CrlPublisher({ store: deps.store, clock: deps.clock, logger: deps.logger, signer: (id) => this.signers.get(id) });
  }

  /** The CRL distribution point of an issuing CA: `<issuer>/ca/v1/crl/<ca id>`. */
  crlUrl(caId: string): string {
    return `${this.deps.issuer}/ca/v1/crl/${caId}`;
  }

  get trustDomain(): string {
    return this.deps.trustDomain;
  }

  /** True once an issuing CA is loaded (for `/readyz`). */
  ready(): boolean {
    return this.issuing !== undefined;
  }

  /** The active issuing CA's id. */
  activeId(): string | undefined {
    return this.issuing?.record.id;
  }

  /** Every stored CA, for `ca show`. */
  authorities(): readonly CaAuthorityRecord[] {
    return this.records;
  }

  /** Creates the hierarchy at first start, applies due rotations, and loads what other nodes did. */
  sync(): Promise<void> {
    return this.serialize(() => this.transition('sync'));
  }

  /** Activates a successor issuing CA now (`ca rotate`). */
  rotate(context: CaRequestContext = {}): Promise<void> {
    return this.serialize(() => this.transition('rotate', context));
  }

  /**
   * Imports an operator's root (certificate + key) or issuing CA (certificate + key + its root's
   * certificate) so our certificates chain to an existing PKI (docs/ca.md, "Import").
   * @throws {CaError} `invalid_import`
   */
  importCa(input: CaImport, context: CaRequestContext = {}): Promise<{ rootId: string; intermediateId: string }> {
    return this.serialize(async () => {
      const now = this.deps.clock.now();
      const { root, intermediate } = importAuthority(input, { now, masterKey: this.deps.masterKey, random: this.deps.random, trustDomain: this.deps.trustDomain, lifetimeMs: this.deps.intermediateTtl * 1000 });
      // The import and its record in one transaction: both, or neither.
      const imported = this.auditInput({ event: 'ca.imported', context, details: { root_id: root.id, intermediate_id: intermediate.id, root_external: root.external, intermediate_external: intermediate.external } });
      await this.deps.store.mutateAuthorities((current) => ({ ...planCaImport(current, now, root, intermediate), audit: [imported] }));
      await this.load(await this.deps.store.listAuthorities());
      return { rootId: root.id, intermediateId: intermediate.id };
    });
  }

  /**
   * Issues an X.509-SVID (`spiffe://<trust domain>/agent/<agentId>`) for the key in `csr` (PEM or
   * DER PKCS#10). The agent must exist and be active. Everything the CSR asks for is ignored except
   * what the refusals in `readCertificationRequest` look at. The certificate is checked after signing,
   * recorded and audited before it is returned. Called by the JSON API, EST and the mTLS listener's
   * renewal (which authenticated the agent by its current certificate, passed as `options.renewing`).
   *
   * @throws {CsrError} the CSR is refused (audited as `certificate.denied`)
   * @throws {CaError} `agent_not_active` (audited as `certificate.denied`)
   */
  async issueForAgent(agentId: string, csr: Buffer | string, context: CaRequestContext = {}, options: IssueOptions = {}): Promise<IssuedCertificate> {
    if (options.sameIdentity === true && options.renewing === undefined) throw new TypeError('sameIdentity needs the certificate being renewed');
    const spiffeId = agentSpiffeId(this.deps.trustDomain, agentId);
    const renewed = options.renewing === undefined ? {} : { renewed_serial: certificateSerial(options.renewing) };
    try {
      const agent = await this.deps.agents.getAgent(agentId);
      if (agent === undefined || standingFault(agent) !== undefined) throw new CaError('agent_not_active', 'the agent does not exist or is not active');
      const der = csrDer(csr);
      const request = readCertificationRequest(der, { trustDomain: this.deps.trustDomain, spiffeId });
      if (options.sameIdentity === true) checkReenrollIdentity(der, options.renewing as Buffer);
      const serverAuth = agent.labels[SERVES_LABEL] === 'true';
      const ttlSeconds = Math.min(this.deps.certificateTtl, MAX_CERTIFICATE_TTL);
      const decision = this.deps.policy?.({ agent, renewal: options.renewing !== undefined, sourceIp: context.sourceIp ?? null, ttl: ttlSeconds, now: this.deps.clock.now() });
      if (decision !== undefined && !decision.ok) throw new PolicyDeniedCertificate(decision.detail, decision.audit);
      const policy = decision === undefined ? {} : { policy: decision.audit };
      return await this.issueLeaf({ publicKey: request.publicKey, spiffeId, clientAuth: true, serverAuth, ttlSeconds: decision?.ttl ?? ttlSeconds }, agentId, context, { ...renewed, ...policy });
    } catch (error) {
      if (error instanceof CsrError || error instanceof CaError) {
        const reason = error instanceof CsrError ? `${error.code}: ${error.detail}` : error instanceof PolicyDeniedCertificate ? `${error.code}: ${error.detail}` : error.code;
        const policy = error instanceof PolicyDeniedCertificate ? { policy: error.audit } : {};
        await this.audit({ event: 'certificate.denied', outcome: 'failure', agentId, context, reason, details: { spiffe_id: spiffeId, ...renewed, ...policy } });
      }
      throw error;
    }
  }

  /**
   * A TLS server certificate from our CA (for the mTLS listener): a fresh P-256 key, the given DNS
   * names and IP addresses as SANs, extKeyUsage serverAuth, lifetime `ttlSeconds` (default and cap
   * 24 h, never beyond the issuing CA). Renew it before `notAfter` (the issuing CA rotates too).
   */
  async issueServerCertificate(dnsNames: readonly string[], ipAddresses: readonly string[], options: { ttlSeconds?: number } = {}): Promise<IssuedCertificate & { privateKeyPem: string; certificatePem: string }> {
    if (dnsNames.length + ipAddresses.length === 0) throw new TypeError('a server certificate needs a DNS name or an IP address');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = decodeSubjectPublicKey(readDer(publicKey.export({ format: 'der', type: 'spki' })));
    const issued = await this.issueLeaf({ publicKey: key, dnsNames, ipAddresses, clientAuth: false, serverAuth: true, ttlSeconds: options.ttlSeconds ?? MAX_CERTIFICATE_TTL }, null, { actor: 'system' });
    checkLeafWithX509(issued.certificate, (this.issuing as Issuing).ca);
    return { ...issued, certificatePem: pem('CERTIFICATE', issued.certificate), privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
  }

  private async issueLeaf(
    spec: Omit<LeafRequest, 'serial' | 'notBefore' | 'notAfter'> & { ttlSeconds?: number },
    agentId: string | null,
    context: CaRequestContext,
    details: Record<string, unknown> = {},
  ): Promise<IssuedCertificate> {
    const issuing = this.issuing;
    if (issuing === undefined) throw new Error('the CA is not loaded: call sync() first');
    const now = this.deps.clock.now();
    const ttl = Math.min(spec.ttlSeconds ?? this.deps.certificateTtl, MAX_CERTIFICATE_TTL);
    const notAfter = Math.min(now + ttl * 1000, issuing.ca.notAfter);
    if (notAfter <= now) throw new Error('the issuing CA has expired; the CA sync is failing');
    const request: LeafRequest = { ...spec, serial: randomSerial(this.deps.random), notBefore: Math.max(now - LEAF_BACKDATE_MS, issuing.ca.notBefore), notAfter };
    const der = issuing.template.issue(request);
    checkLeaf(der, issuing.ca, request, issuing.template.crlUrl);
    const serial = serialHex(request.serial);
    const kind = agentId === null ? 'server' : 'agent';
    // The certificate's record and its audit record in one unit: both durable, or neither.
    await this.deps.commitLog.commit({
      claims: [],
      audit: [this.auditInput({ event: 'certificate.issued', agentId, context, details: { serial, kind, ca_id: issuing.record.id, not_after: new Date(notAfter).toISOString(), server_auth: spec.serverAuth, ...details } })],
      issuedTokens: [],
      certificates: [{ serial, agentId, kind, caId: issuing.record.id, issuedAt: now, notAfter, revokedAt: null }],
      onReplay: [],
    });
    return { serial, certificate: der, chainPem: pem('CERTIFICATE', der) + issuing.chainTail, notAfter, spiffeId: spec.spiffeId ?? null };
  }

  /** The bundle: live roots and issuing CAs (old ones while certificates they issued may live). */
  trustBundle(): TrustBundle {
    const live = this.records.filter((r) => r.notAfter >= this.deps.clock.now());
    const pick = (kind: 'root' | 'intermediate') => live.filter((r) => r.kind === kind).map((r) => (this.certificates.get(r.id) as CaCertificate).x509);
    const roots = pick('root');
    const intermediates = pick('intermediate');
    return { pem: [...roots, ...intermediates].map((c) => c.toString()).join(''), roots, intermediates };
  }

  /** Issued certificates, newest first, optionally of one agent (admin API). @throws RangeError for a bad cursor */
  listCertificatesPage(agentId: string | undefined, limit: number, cursor: string | undefined): Promise<Page<IssuedCertificateRecord>> {
    return this.deps.store.listCertificates(agentId === undefined ? {} : { agentId }, cursor === undefined ? { limit } : { limit, after: cursor });
  }

  /**
   * True when the certificate with this serial (any notation) was revoked. Unknown serials are not
   * revoked. Answered from memory once `start()` loaded the revoked serials (revoked-serials.ts: at
   * once for revocations of this node, within `revocationPollMs` for other nodes'); from the
   * database before that and while the store cannot be polled.
   */
  async isRevoked(serial: string): Promise<boolean> {
    const canonical = normalizeSerial(serial);
    if (canonical === undefined) return false;
    const known = this.revokedSerials.has(canonical);
    if (known !== undefined) return known;
    const record = await this.deps.store.getCertificate(canonical);
    return record !== undefined && record.revokedAt !== null;
  }

  /** Loads other nodes' revocations now (`start()` does it every `revocationPollMs`). Rejects when the store fails. */
  pollRevocations(): Promise<void> {
    return this.revokedSerials.poll();
  }

  /** Revokes one certificate, reissues its CRL, audits and publishes `certificate_revoked`. Undefined when unknown. */
  async revoke(serial: string, context: CaRequestContext = {}): Promise<IssuedCertificateRecord | undefined> {
    const canonical = normalizeSerial(serial);
    if (canonical === undefined) return undefined;
    const now = this.deps.clock.now();
    // The revocation and its record in one transaction.
    const result = await this.deps.store.revokeCertificate(canonical, now, (records) => this.revocationRecords(records, context, 'revoked'));
    if (result === undefined) return undefined;
    // Before anything else that may fail or wait: this node refuses the certificate from now on.
    this.revokedSerials.add(result.record.serial, result.record.notAfter);
    if (result.changed) await this.revoked([result.record]);
    return result.record;
  }

  /** Revokes every certificate an agent holds (it was suspended, disabled or deleted). */
  async revokeAgent(agentId: string, reason: string): Promise<IssuedCertificateRecord[]> {
    const records = await this.deps.store.revokeAgentCertificates(agentId, this.deps.clock.now(), (revoked) => this.revocationRecords(revoked, { actor: 'system' }, reason));
    for (const record of records) this.revokedSerials.add(record.serial, record.notAfter);
    if (records.length > 0) await this.revoked(records);
    return records;
  }

  /** The `certificate.revoked` records of a revocation, written in its transaction. */
  private revocationRecords(records: readonly IssuedCertificateRecord[], context: CaRequestContext, reason: string): AuditInput[] {
    return records.map((record) => this.auditInput({ event: 'certificate.revoked', agentId: record.agentId, context, reason, details: { serial: record.serial, ca_id: record.caId } }));
  }

  /** After a revocation committed: the feed hears of it, and the CRLs are reissued. */
  private async revoked(records: readonly IssuedCertificateRecord[]): Promise<void> {
    for (const record of records) {
      if (record.agentId !== null) this.deps.events.publish({ kind: 'certificate_revoked', agentId: record.agentId, serial: record.serial, at: record.revokedAt ?? this.deps.clock.now() });
    }
    for (const caId of new Set(records.map((r) => r.caId))) await this.crls.refresh(caId, true);
  }

  /**
   * Timers: `sync()` every `syncMs`, CRL reissue checks every `crlMs`, the revoked serials polled
   * every `revocationPollMs` (other nodes' revocations; loaded at once). Returns the stop function.
   * (An agent that stops being active loses its certificates through `revokeAgent`, which the
   * composition root calls on every `agent_revoked` event.)
   */
  start(options: { syncMs: number; crlMs: number; revocationPollMs: number }): () => void {
    const onError = (what: string) => (error: unknown) => this.deps.logger.error({ err: error }, `CA ${what} failed`);
    const timers = [
      setInterval(() => void this.sync().catch(onError('sync')), options.syncMs),
      setInterval(() => {
        const ids = this.records.filter((r) => r.kind === 'intermediate' && this.signers.has(r.id)).map((r) => r.id);
        void this.crls.refreshAll(ids).catch(onError('CRL reissue'));
        void this.deps.store.pruneCertificates(this.deps.clock.now() - 86_400_000).catch(onError('prune'));
      }, options.crlMs),
    ];
    for (const timer of timers) timer.unref();
    const stopPolling = this.revokedSerials.watch(options.revocationPollMs, onError('revocation poll'));
    return () => {
      stopPolling();
      timers.forEach(clearInterval);
    };
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transition(mode: CaRotationMode, context: CaRequestContext = { actor: 'system' }): Promise<void> {
    const { store, clock } = this.deps;
    let candidates: CaCandidates = {};
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = clock.now();
      let plan: CaPlan | undefined;
      // Every change and its audit records (`ca.created`, `ca.rotated`) commit in one transaction:
      // a CA is never activated unrecorded, and no record names a change a crash undid.
      const after = await store.mutateAuthorities((current) => {
        plan = planCaRotation(current, now, DEFAULT_CA_ROTATION, mode, candidates);
        if (plan.need !== undefined) return { insert: [], update: [], remove: [], audit: [] };
        return { ...plan, audit: plan.events.map(({ event, id, kind }) => this.auditInput({ event, context, details: { ca_id: id, kind } })) };
      });
      const made = plan as CaPlan;
      if (made.need !== undefined) {
        candidates = this.makeCandidates(made.need, after, now);
        continue;
      }
      for (const { event, id, kind } of made.events) this.deps.logger.info(`${event} ${kind} ${id}`);
      if (made.blocked !== undefined) {
        this.deps.logger.warn(made.blocked);
        if (mode === 'rotate') throw new CaError('ca_unavailable', made.blocked);
      }
      await this.load(after);
      if (this.issuing === undefined) throw new Error('no active issuing CA after sync');
      return;
    }
    throw new Error('the CA hierarchy kept changing during sync; retry');
  }

  private makeCandidates(need: { root: boolean; parentId: string | null }, current: readonly CaAuthorityRecord[], now: number): CaCandidates {
    const options = { trustDomain: this.deps.trustDomain, now, random: this.deps.random, masterKey: this.deps.masterKey, lifetimeMs: this.deps.intermediateTtl * 1000 };
    if (need.root) {
      const root = makeRootCa(options);
      return { root: root.record, intermediate: makeIntermediateCa(root.ca, root.record.id, options).record };
    }
    const parent = current.find((r) => r.id === need.parentId);
    if (parent === undefined) return {};
    return { intermediate: makeIntermediateCa(openSigningCa(this.deps.masterKey, parent), parent.id, options).record };
  }

  private async load(records: readonly CaAuthorityRecord[]): Promise<void> {
    const now = this.deps.clock.now();
    const live = records.filter((r) => r.notAfter >= now);
    const certificates = new Map<string, CaCertificate>();
    const signers = new Map<string, SigningCa>();
    for (const record of live) {
      const known = this.certificates.get(record.id);
      certificates.set(record.id, known ?? readCaCertificate(Buffer.from(record.certificate, 'base64')));
      if (record.kind === 'intermediate' && record.encryptedPrivateKey !== null) {
        signers.set(record.id, this.signers.get(record.id) ?? openSigningCa(this.deps.masterKey, record));
      }
    }
    const active = live.filter((r) => r.kind === 'intermediate' && r.state === 'active').sort((a, b) => (b.activatedAt ?? 0) - (a.activatedAt ?? 0))[0];
    this.records = live;
    this.certificates = certificates;
    this.signers = signers;
    const signer = active === undefined ? undefined : signers.get(active.id);
    if (active === undefined || signer === undefined) {
      this.issuing = undefined;
      return;
    }
    if (this.issuing?.record.id !== active.id) {
      this.deps.logger.info(`issuing certificates with CA ${active.id}`);
      this.issuing = { record: active, ca: signer, template: new LeafTemplate(signer, this.crlUrl(active.id)), chainTail: pem('CERTIFICATE', signer.der) };
      await this.crls.refresh(active.id, false);
    }
  }

  private audit(entry: CaAuditEntry): Promise<void> {
    return this.deps.commitLog.record(this.auditInput(entry));
  }

  private auditInput(entry: CaAuditEntry): AuditInput {
    return caAuditInput(entry, this.deps.clock.now());
  }
}
