import { useEffect, useRef, type ReactNode } from 'react';
import { Link, match, useRouter } from './router';
import { useSession } from './session';
import { AgentDetailPage } from './pages/agent-detail';
import { AgentsPage } from './pages/agents';
import { AnomaliesPage } from './pages/anomalies';
import { ApprovalsPage } from './pages/approvals';
import { AuditPage } from './pages/audit';
import { KeysPage } from './pages/keys';
import { MigrationPage } from './pages/migration';
import { OverviewPage } from './pages/overview';
import { PoliciesPage } from './pages/policies';

/** The console's pages, in the navigation's order. */
const PAGES: { path: string; label: string }[] = [
  { path: '/', label: 'Overview' },
  { path: '/agents', label: 'Agents' },
  { path: '/audit', label: 'Audit' },
  { path: '/policies', label: 'Policies' },
  { path: '/approvals', label: 'Approvals' },
  { path: '/anomalies', label: 'Anomalies' },
  { path: '/migration', label: 'API-key migration' },
  { path: '/keys', label: 'Keys and CA' },
];

function route(path: string): { page: ReactNode; section: string; title: string } {
  const detail = match('/agents/:id', path);
  if (detail !== undefined) return { page: <AgentDetailPage id={detail['id'] ?? ''} />, section: '/agents', title: 'Agent' };
  const found = PAGES.find((p) => p.path === path);
  const section = found?.path ?? '';
  const pages: Record<string, ReactNode> = {
    '/': <OverviewPage />,
    '/agents': <AgentsPage />,
    '/audit': <AuditPage />,
    '/policies': <PoliciesPage />,
    '/approvals': <ApprovalsPage />,
    '/anomalies': <AnomaliesPage />,
    '/migration': <MigrationPage />,
    '/keys': <KeysPage />,
  };
  const page = pages[section];
  if (page === undefined) return { page: <NotFound />, section: '', title: 'Not found' };
  return { page, section, title: found?.label ?? '' };
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no console page at this address. <Link to="/">Go to the overview</Link>.
      </p>
    </>
  );
}

/**
 * The signed-in console: a skip link, the header with the person and "Sign out" (a form posting
 * the CSRF token to /logout), the navigation landmark and the page. Moving to another page moves
 * focus to its main region, so a screen reader announces the new page.
 */
export function App() {
  const { session } = useSession();
  const { location } = useRouter();
  const { page, section, title } = route(location.path);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${title} · agentauth console`;
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.path, title]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">agentauth console</span>
        <span className="who">
          <span id="signed-in-as">{session.user.name}</span> <span className="roles">({session.roles.join(', ') || 'no role'})</span>
        </span>
        <form method="post" action="/logout" className="sign-out">
          <input type="hidden" name="csrf" value={session.csrf_token} />
          <button type="submit" className="button">
            Sign out
          </button>
        </form>
      </header>
      <div className="layout">
        <nav aria-label="Console" className="sidebar">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <Link to={p.path} current={p.path === section}>
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={main} tabIndex={-1}>
          {page}
        </main>
      </div>
    </>
  );
}
