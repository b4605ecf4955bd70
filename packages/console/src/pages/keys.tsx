import { useState } from 'react';
import { api, problemText } from '../api/client';
import type { components } from '../api/schema';
import { ConfirmAction } from '../components/confirm-action';
import { EmptyState, Flash, Show, useLoad } from '../components/page-state';
import { TableFrame } from '../components/table-frame';
import { useSession } from '../session';

type SigningKey = components['schemas']['SigningKeyList']['items'][number];
type CaAuthority = components['schemas']['CertificateAuthority'];
type CrlStatus = components['schemas']['CrlStatus'];

/** A time as the person's locale writes it; an em dash for none. */
function when(iso: string | null | undefined): string {
  return iso === null || iso === undefined ? '—' : new Date(iso).toLocaleString();
}

function days(seconds: number): string {
  const d = seconds / 86_400;
  return Number.isInteger(d) ? `${d} days` : `${(seconds / 3600).toFixed(1)} hours`;
}

async function loadKeys() {
  const [keys, schedule] = await Promise.all([api.GET('/keys'), api.GET('/keys/schedule')]);
  if (keys.error !== undefined || keys.data === undefined) throw new Error(problemText(keys.error));
  if (schedule.error !== undefined || schedule.data === undefined) throw new Error(problemText(schedule.error));
  return { keys: keys.data.items, schedule: schedule.data };
}

/** The CA and its CRLs; undefined when this server runs no CA (404). */
async function loadCa(): Promise<{ ca: CaAuthority; crls: CrlStatus[] } | undefined> {
  const ca = await api.GET('/ca');
  if (ca.response.status === 404) return undefined;
  if (ca.error !== undefined || ca.data === undefined) throw new Error(problemText(ca.error));
  const crls = await api.GET('/ca/crls');
  if (crls.error !== undefined || crls.data === undefined) throw new Error(problemText(crls.error));
  return { ca: ca.data, crls: crls.data.items };
}

/**
 * Keys and CA: the token signing keys in their slots and when the active one rotates next, the CA
 * hierarchy (roots and issuing CAs) and each issuing CA's CRL. Admins may rotate either; everyone
 * else reads.
 */
export function KeysPage() {
  const { can } = useSession();
  const keys = useLoad(loadKeys, 'keys');
  const ca = useLoad(loadCa, 'ca');
  const [message, setMessage] = useState<{ text: string; ok: boolean }>();

  const rotateKeys = async () => {
    const { data, error } = await api.POST('/keys/rotate', { body: {} });
    setMessage(data !== undefined ? { text: `Rotated: ${data.active_kid} signs now; ${data.prepared_kid} is published to sign next.`, ok: true } : { text: `Not rotated: ${problemText(error)}`, ok: false });
    keys.reload();
  };
  const rotateCa = async () => {
    const { data, error } = await api.POST('/ca/rotate', {});
    setMessage(data !== undefined ? { text: `Rotated: issuing CA ${data.active_id ?? ''} is active now.`, ok: true } : { text: `Not rotated: ${problemText(error)}`, ok: false });
    ca.reload();
  };

  return (
    <>
      <h1>Keys and CA</h1>
      <Flash message={message} />
      <section aria-labelledby="signing-keys">
        <h2 id="signing-keys">Token signing keys</h2>
        <Show loaded={keys.result} what="the signing keys" reload={keys.reload}>
          {({ keys: list, schedule }) => (
            <>
              <dl className="details" aria-label="Rotation schedule">
                <dt>Signs now</dt>
                <dd className="mono">{schedule.active_kid}</dd>
                <dt>Since</dt>
                <dd>{when(schedule.active_since)}</dd>
                <dt>Rotated every</dt>
                <dd>{days(schedule.rotation_interval_seconds)}</dd>
                <dt>Next rotation</dt>
                <dd id="next-rotation">{when(schedule.next_rotation_at)}</dd>
              </dl>
              {can.administer && (
                <div className="toolbar">
                  <ConfirmAction
                    label="Rotate signing key now"
                    title="Rotate the signing key?"
                    description="The prepared key starts signing tokens; the current key stays published until the tokens it signed expire. Refused if the prepared key was published too recently for relying parties to have fetched it."
                    confirmLabel="Rotate"
                    onConfirm={rotateKeys}
                  />
                </div>
              )}
              <KeyTable keys={list} />
            </>
          )}
        </Show>
      </section>
      <section aria-labelledby="ca-hierarchy">
        <h2 id="ca-hierarchy">Certificate authority</h2>
        <Show loaded={ca.result} what="the CA" reload={ca.reload}>
          {(loaded) =>
            loaded === undefined ? (
              <EmptyState title="This server runs no certificate authority">
                <p>Agents authenticate with keys and tokens only. Enable the built-in CA (docs/ca.md) to issue X.509 certificates to agents.</p>
              </EmptyState>
            ) : (
              <>
                <p>
                  Trust domain <code>{loaded.ca.trust_domain}</code>
                </p>
                {can.administer && (
                  <div className="toolbar">
                    <ConfirmAction
                      label="Rotate issuing CA"
                      title="Rotate the issuing CA?"
                      description="A successor issuing CA becomes active and signs new certificates; the current one stays in the trust bundle until its certificates expire."
                      confirmLabel="Rotate"
                      onConfirm={rotateCa}
                    />
                  </div>
                )}
                <Hierarchy ca={loaded.ca} />
                <h3>Certificate revocation lists</h3>
                <CrlTable crls={loaded.crls} />
              </>
            )
          }
        </Show>
      </section>
    </>
  );
}

function KeyTable({ keys }: { keys: SigningKey[] }) {
  return (
    <TableFrame label="Signing keys, scrollable">
      <table aria-label="Signing keys">
        <thead>
          <tr>
            <th scope="col">Key id</th>
            <th scope="col">Algorithm</th>
            <th scope="col">Slot</th>
            <th scope="col">Created</th>
            <th scope="col">Signing since</th>
            <th scope="col">Retired</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.kid}>
              <td className="mono">{key.kid}</td>
              <td>{key.alg}</td>
              <td>
                <span className={`badge badge-${key.state === 'active' ? 'active' : 'open'}`}>{key.state}</span>
              </td>
              <td>{when(key.created_at)}</td>
              <td>{when(key.activated_at)}</td>
              <td>{when(key.retired_at)}</td>
              <td>{when(key.expires_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableFrame>
  );
}

/** Roots, each with the issuing CAs (listed after the roots, as the hierarchy has one level below them). */
function Hierarchy({ ca }: { ca: CaAuthority }) {
  const roots = ca.authorities.filter((a) => a.kind === 'root');
  const issuing = ca.authorities.filter((a) => a.kind === 'intermediate');
  const item = (a: CaAuthority['authorities'][number]) => (
    <>
      <span className="mono">{a.subject ?? a.id}</span> <span className={`badge badge-${a.state === 'active' ? 'active' : 'open'}`}>{a.state}</span>
      {a.id === ca.active_id && <span className="badge badge-ok"> issuing now</span>}
      <span className="muted">
        {' '}
        · until {when(a.not_after)}
        {a.external ? ' · imported' : ''}
        {a.has_key ? '' : ' · no private key here'}
      </span>
    </>
  );
  return (
    <ul aria-label="CA hierarchy" className="tree">
      {roots.map((root) => (
        <li key={root.id}>
          Root: {item(root)}
          <ul>
            {issuing.map((ica) => (
              <li key={ica.id}>Issuing CA: {item(ica)}</li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

function CrlTable({ crls }: { crls: CrlStatus[] }) {
  if (crls.length === 0) return <EmptyState title="No issuing CA yet">Rotate or import an issuing CA to publish a CRL.</EmptyState>;
  const now = Date.now();
  return (
    <TableFrame label="Certificate revocation lists, scrollable">
      <table aria-label="Certificate revocation lists">
        <thead>
          <tr>
            <th scope="col">Issuing CA</th>
            <th scope="col">CRL number</th>
            <th scope="col">Issued</th>
            <th scope="col">Next update</th>
            <th scope="col">Revoked certificates</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {crls.map((crl) => {
            const stale = crl.next_update === null || Date.parse(crl.next_update) < now;
            return (
              <tr key={crl.ca_id}>
                <td className="mono">
                  <a href={`/ca/v1/crl/${encodeURIComponent(crl.ca_id)}`} download>
                    {crl.ca_id}
                  </a>
                </td>
                <td>{crl.crl_number ?? '—'}</td>
                <td>{when(crl.this_update)}</td>
                <td>{when(crl.next_update)}</td>
                <td>{crl.revoked_certificates}</td>
                <td>
                  <span className={`badge ${stale ? 'badge-failure' : 'badge-ok'}`}>{crl.crl_number === null ? 'not issued yet' : stale ? 'out of date' : 'current'}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableFrame>
  );
}
