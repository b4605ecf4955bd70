import { Bar, BarChart, Cell, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { components } from '../../api/schema';
import { ChartFigure } from '../../components/chart-figure';
import { TableFrame } from '../../components/table-frame';

type Plan = components['schemas']['CutoverPlan'];
type Rule = components['schemas']['CutoverRule'];

/** A live key (managed `ak_…` or imported `ik_…`) and the stage the cut-over rules put it in now. */
export interface StagedKey {
  id: string;
  kind: 'managed' | 'imported';
  agent_id: string;
  owner: string;
  last_used_at: string | null;
  expires_at: string;
  stage: 'allow' | 'warn' | 'block';
  rule?: string;
}

const STAGES = [
  { stage: 'allow', label: 'allowed', colour: 'var(--chart-3)' },
  { stage: 'warn', label: 'warned', colour: 'var(--chart-4)' },
  { stage: 'block', label: 'blocked', colour: 'var(--chart-2)' },
] as const;

/** Every live key with its stage now: blocked or warned by the plan, allowed otherwise. */
export function stagedKeys(keys: Omit<StagedKey, 'stage' | 'rule'>[], plan: Plan): StagedKey[] {
  const planned = new Map<string, Plan['blocked'][number]>();
  for (const key of [...plan.warned, ...plan.blocked]) planned.set(key.id, key);
  return keys.map((key) => {
    const p = planned.get(key.id);
    return p === undefined ? { ...key, stage: 'allow' } : { ...key, stage: p.stage, rule: `${p.rule.scope} ${p.rule.target}` };
  });
}

/** The keys by cut-over stage: bars, a sentence, and every key with its stage in a table. */
export function StageChart({ keys, rules }: { keys: StagedKey[]; rules: Rule[] }) {
  const counts = STAGES.map((s) => ({ ...s, count: keys.filter((k) => k.stage === s.stage).length }));
  const summary = `Live API keys by cut-over stage now: ${counts.map((c) => `${c.count} ${c.label}`).join(', ')}.`;
  return (
    <ChartFigure
      title="Keys by cut-over stage"
      summary={summary}
      chart={
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={counts} layout="vertical" accessibilityLayer={false} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
            <XAxis type="number" allowDecimals={false} tick={{ fill: 'var(--muted)', fontSize: 12 }} />
            <YAxis type="category" dataKey="label" width={72} tick={{ fill: 'var(--muted)', fontSize: 12 }} />
            <Bar dataKey="count" name="keys" isAnimationActive={false}>
              {counts.map((c) => (
                <Cell key={c.stage} fill={c.colour} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      }
    >
      {keys.length > 0 && (
        <TableFrame label="Live API keys, scrollable">
          <table>
            <caption className="visually-hidden">Live API keys and their cut-over stage</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Agent</th>
                <th scope="col">Owner</th>
                <th scope="col">Stage</th>
                <th scope="col">By rule</th>
                <th scope="col">Last used</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td className="mono">{k.id}</td>
                  <td className="mono">{k.agent_id}</td>
                  <td>{k.owner || <span className="muted">no owner</span>}</td>
                  <td>
                    <span className={`badge badge-stage-${k.stage}`}>{STAGES.find((s) => s.stage === k.stage)?.label}</span>
                  </td>
                  <td className="mono">{k.rule ?? '—'}</td>
                  <td>{k.last_used_at === null ? 'never' : k.last_used_at.slice(0, 16).replace('T', ' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableFrame>
      )}
      {rules.length > 0 && (
        <>
          <h3 className="detail-subtitle">Cut-over rules</h3>
          <ul className="overview-list">
            {rules.map((r) => (
              <li key={r.id}>
                <span className="mono">
                  {r.scope} {r.target}
                </span>
                : {r.stage === 'allow' ? 'allowed now' : r.stage === 'warn' ? 'warned now' : 'blocked now'}
                {r.warn_from !== null && `, warned from ${r.warn_from.slice(0, 10)}`}
                {r.block_from !== null && `, blocked from ${r.block_from.slice(0, 10)}`}
              </li>
            ))}
          </ul>
        </>
      )}
    </ChartFigure>
  );
}
