import type { AgentToken, TokenChain } from '../agents/agent-format';

/** "`actor` acts for `subject`", with the tokens that say so. */
export interface ActsFor {
  actor: string;
  subject: string;
  jtis: string[];
}

/** The actors of an RFC 8693 §4.1 `act` claim, the current actor first, then the prior ones. */
function actorsOf(act: unknown): string[] {
  const out: string[] = [];
  let at = act;
  while (typeof at === 'object' && at !== null && out.length < 16) {
    const { sub, act: prior } = at as { sub?: unknown; act?: unknown };
    if (typeof sub === 'string') out.push(sub);
    at = prior;
  }
  return out;
}

/**
 * Who acts for whom, from what the admin API offers about this agent: its live tokens (a token
 * whose client differs from its subject was obtained by exchange, RFC 8693, the client acting for
 * the subject) and the lineages of those tokens (`GET /tokens/{jti}/chain`), whose `act` claims
 * name every actor of the chain.
 */
export function delegationEdges(tokens: AgentToken[], chains: TokenChain[]): ActsFor[] {
  const edges = new Map<string, ActsFor>();
  const add = (actor: string, subject: string, jti: string) => {
    if (actor === subject) return;
    const key = `${actor}\u0000${subject}`;
    const edge = edges.get(key) ?? { actor, subject, jtis: [] };
    if (!edge.jtis.includes(jti)) edge.jtis.push(jti);
    edges.set(key, edge);
  };
  for (const t of tokens) add(t.client_id, t.sub, t.jti);
  for (const chain of chains) {
    for (const node of [...chain.ancestors, chain.token, ...chain.descendants]) {
      add(node.client_id, node.sub, node.jti);
      for (const actor of actorsOf(node.act)) add(actor, node.sub, node.jti);
    }
  }
  return [...edges.values()];
}

const WIDTH = 560;
const HEIGHT = 320;
const RADIUS = 110;

/** A short name for a node: agent and user ids are long, the start says enough in the picture. */
function short(id: string): string {
  return id.length > 18 ? `${id.slice(0, 16)}…` : id;
}

/**
 * The graph as a node-link picture (the agent in the middle, the others on a circle, an arrow
 * from each actor to whom it acts for) and as a list with the same facts for screen readers and
 * for copying. The picture is `role="img"`, named by the heading and described by the list.
 */
export function DelegationGraph({ agentId, edges }: { agentId: string; edges: ActsFor[] }) {
  if (edges.length === 0) {
    return <p className="muted">No live token shows this agent acting for anyone, or anyone acting for it (RFC 8693 token exchange).</p>;
  }
  const others = [...new Set(edges.flatMap((e) => [e.actor, e.subject]))].filter((n) => n !== agentId);
  const at = new Map<string, { x: number; y: number }>([[agentId, { x: WIDTH / 2, y: HEIGHT / 2 }]]);
  others.forEach((node, i) => {
    const angle = (2 * Math.PI * i) / others.length - Math.PI / 2;
    at.set(node, { x: WIDTH / 2 + RADIUS * 1.9 * Math.cos(angle), y: HEIGHT / 2 + RADIUS * Math.sin(angle) });
  });
  return (
    <div className="delegation-graph">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="agent-delegations" aria-describedby="delegation-list" className="delegation-svg">
        <defs>
          <marker id="delegation-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor" />
          </marker>
        </defs>
        {edges.map((e) => {
          const from = at.get(e.actor);
          const to = at.get(e.subject);
          if (from === undefined || to === undefined) return null;
          // Stop the arrow at the target's circle.
          const dx = to.x - from.x;
          const dy = to.y - from.y;
          const length = Math.hypot(dx, dy) || 1;
          const end = { x: to.x - (dx / length) * 24, y: to.y - (dy / length) * 24 };
          return <line key={`${e.actor}>${e.subject}`} x1={from.x} y1={from.y} x2={end.x} y2={end.y} stroke="currentColor" strokeWidth="1.5" markerEnd="url(#delegation-arrow)" />;
        })}
        {[...at.entries()].map(([node, p]) => (
          <g key={node}>
            <circle cx={p.x} cy={p.y} r="22" className={node === agentId ? 'delegation-node delegation-self' : 'delegation-node'} />
            {/* Above a node in the upper half, below one in the lower half: away from the lines to the middle. */}
            <text x={p.x} y={p.y < HEIGHT / 2 ? p.y - 30 : p.y + 38} textAnchor="middle" className="delegation-label">
              {node === agentId ? `${short(node)} (this agent)` : short(node)}
            </text>
          </g>
        ))}
      </svg>
      <ul id="delegation-list">
        {edges.map((e) => (
          <li key={`${e.actor}>${e.subject}`}>
            <code>{e.actor}</code> acts for <code>{e.subject}</code>{' '}
            <span className="muted">
              ({e.jtis.length} token{e.jtis.length === 1 ? '' : 's'})
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
