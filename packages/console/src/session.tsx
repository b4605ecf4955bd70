import { createContext, useContext } from 'react';

/** Who is signed in, as `GET /console/api/session` says. */
export interface ConsoleSession {
  user: { id: string; email: string; name: string };
  roles: string[];
  csrf_token: string;
}

/**
 * What the person's roles allow (docs/people.md, "Roles"): `auditor` reads, `operator` also acts
 * on agents (lifecycle, credentials, tokens, anomalies), `admin` may change everything (policies,
 * keys, the CA, people). The console hides what a role cannot do; the admin API refuses it anyway.
 */
export interface Abilities {
  operate: boolean;
  administer: boolean;
}

export function abilitiesOf(roles: readonly string[]): Abilities {
  const administer = roles.includes('admin');
  return { administer, operate: administer || roles.includes('operator') };
}

export const SessionContext = createContext<{ session: ConsoleSession; can: Abilities } | undefined>(undefined);

export function useSession(): { session: ConsoleSession; can: Abilities } {
  const value = useContext(SessionContext);
  if (value === undefined) throw new Error('useSession outside the signed-in console');
  return value;
}

/** Reads the session; undefined when nobody is signed in. */
export async function readSession(): Promise<ConsoleSession | undefined> {
  const response = await fetch('/console/api/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (response.status === 401) return undefined;
  if (!response.ok) throw new Error(`the session could not be read (HTTP ${response.status})`);
  return (await response.json()) as ConsoleSession;
}
