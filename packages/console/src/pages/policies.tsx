import { useState } from 'react';
import { Button } from 'react-aria-components';
import { api, problemText } from '../api/client';
import { EmptyState, Show, useLoad } from '../components/page-state';
import { useSession } from '../session';
import { PolicyEditor } from './policies/policy-editor';
import { PolicyHistory } from './policies/policy-history';

async function loadPolicies() {
  const [policies, history] = await Promise.all([api.GET('/policies'), api.GET('/policy-sets', { params: { query: { limit: 50 } } })]);
  if (policies.data === undefined) throw new Error(problemText(policies.error));
  if (history.data === undefined) throw new Error(problemText(history.error));
  return { set: policies.data, history: history.data.items };
}

/**
 * The Cedar policy set (docs/policy.md): the policies in force and the versions applied. Admins
 * also edit: validation as they type, a dry run against the recorded decisions, and apply with
 * confirmation. Operators and auditors read.
 */
export function PoliciesPage() {
  const { can } = useSession();
  const { result, reload } = useLoad(loadPolicies, 'policies');
  const [source, setSource] = useState('');
  const edit = async (id: string) => {
    const { data } = await api.GET('/policies/{id}', { params: { path: { id } } });
    if (data !== undefined) {
      setSource(data.text);
      document.querySelector<HTMLTextAreaElement>('textarea.policy-source')?.focus();
    }
  };
  return (
    <>
      <h1>Policies</h1>
      <Show loaded={result} what="the policies" reload={reload}>
        {({ set, history }) => (
          <>
            <p>
              Version <strong>{set.version}</strong> is in force{set.version === 0 ? ' (the baseline)' : ''}. Policies decide, within each agent&apos;s registration, what it gets now.
            </p>
            <section aria-labelledby="in-force-heading">
              <h2 id="in-force-heading">In force</h2>
              {set.items.length === 0 ? (
                <EmptyState title="No policy is in force">Cedar denies what no policy permits: every token request is refused. {can.administer ? 'Write a permit below.' : 'Ask an admin to apply a policy set.'}</EmptyState>
              ) : (
                <div className="table-wrap">
                  <table aria-labelledby="in-force-heading">
                    <thead>
                      <tr>
                        <th scope="col">Policy</th>
                        <th scope="col">Effect</th>
                        <th scope="col">Description</th>
                        <th scope="col">Changed in</th>
                        {can.administer && (
                          <th scope="col">
                            <span className="visually-hidden">Edit</span>
                          </th>
                        )}
                      </tr>
                    </thead>
                    <tbody>
                      {set.items.map((p) => (
                        <tr key={p.id}>
                          <td className="mono">{p.id}</td>
                          <td>
                            <span className={`badge ${p.effect === 'forbid' ? 'badge-failure' : 'badge-ok'}`}>{p.effect}</span>
                          </td>
                          <td>{p.description}</td>
                          <td>version {p.changed_in}</td>
                          {can.administer && (
                            <td>
                              <Button className="button" aria-label={`Edit ${p.id}`} onPress={() => void edit(p.id)}>
                                Edit
                              </Button>
                            </td>
                          )}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
            {can.administer ? (
              <PolicyEditor source={source} setSource={setSource} version={set.version} onApplied={reload} />
            ) : (
              <p className="notice">Only admins change policies: you can read them and their history.</p>
            )}
            <PolicyHistory items={history} />
          </>
        )}
      </Show>
    </>
  );
}
