import { useState } from 'react';
import { Button } from 'react-aria-components';
import { api, problemText } from '../../api/client';
import type { components } from '../../api/schema';
import { EmptyState, ErrorNotice, Loading } from '../../components/page-state';

type Summary = components['schemas']['PolicySetHistory']['items'][number];
type Version = components['schemas']['PolicySetVersion'];

/** The applied versions, newest first; each can be opened to read its policies as they were. */
export function PolicyHistory({ items }: { items: Summary[] }) {
  const [open, setOpen] = useState<{ state: 'loading'; version: number } | { state: 'ok'; data: Version } | { state: 'error'; message: string } | undefined>();
  const show = async (version: number) => {
    setOpen({ state: 'loading', version });
    const { data, error } = await api.GET('/policy-sets/{version}', { params: { path: { version } } });
    setOpen(data !== undefined ? { state: 'ok', data } : { state: 'error', message: problemText(error) });
  };
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Version history</h2>
      {items.length === 0 ? (
        <EmptyState title="Only the baseline has been in force">No change has been applied yet: the baseline policy permits what each agent is registered for.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table aria-labelledby="history-heading">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Applied</th>
                <th scope="col">By</th>
                <th scope="col">Comment</th>
                <th scope="col">Policies</th>
                <th scope="col">
                  <span className="visually-hidden">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td>
                  <td>{new Date(v.created_at).toLocaleString()}</td>
                  <td className="mono">{v.created_by}</td>
                  <td>{v.comment === '' ? <span className="muted">none</span> : v.comment}</td>
                  <td>{v.policy_count}</td>
                  <td>
                    <Button className="button" aria-label={`Show version ${v.version}`} onPress={() => void show(v.version)}>
                      Show
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open?.state === 'loading' && <Loading what={`version ${open.version}`} />}
      {open?.state === 'error' && <ErrorNotice message={`Could not load the version: ${open.message}`} />}
      {open?.state === 'ok' && (
        <section aria-labelledby="version-heading" className="card policy-version">
          <h3 id="version-heading">Version {open.data.version}</h3>
          <p className="muted">
            Applied {new Date(open.data.created_at).toLocaleString()} by <span className="mono">{open.data.created_by}</span>
            {open.data.comment === '' ? '' : `: ${open.data.comment}`}
          </p>
          {open.data.policies.map((p) => (
            <div key={p.id}>
              <h4 className="mono">{p.id}</h4>
              {p.description !== '' && <p>{p.description}</p>}
              <pre>{p.text}</pre>
            </div>
          ))}
        </section>
      )}
    </section>
  );
}
