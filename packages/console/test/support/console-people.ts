import type { Page } from 'playwright-core';
import type { ConsoleRig, Role, SignedIn } from './console-browser.js';

/** The id of the rig's person of `role` (`<role>@example.com`), for `user:<id>` in audit records. */
export async function personId(rig: ConsoleRig, role: Role): Promise<string> {
  const listed = (await rig.admin('GET', '/users?limit=100')).body as { items: { id: string; email: string }[] };
  const person = listed.items.find((u) => u.email === `${role}@example.com`);
  if (person === undefined) throw new Error(`no ${role} person`);
  return person.id;
}

/** Audit records of one event, as the admin API lists them. */
export async function auditOf(rig: ConsoleRig, event: string): Promise<{ actor: string | null; agent_id: string | null; reason: string | null; details: Record<string, unknown> }[]> {
  const answered = await rig.admin('GET', `/audit?event=${encodeURIComponent(event)}&limit=100`);
  return (answered.body as { items: { actor: string | null; agent_id: string | null; reason: string | null; details: Record<string, unknown> }[] }).items;
}

/**
 * An admin API call from inside the signed-in page, with its session cookie and CSRF token, as
 * the console would make it: what the API answers a person whose controls are hidden.
 */
export async function callAsPerson(page: Page, method: string, path: string, body?: unknown): Promise<number> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = (await (await fetch('/console/api/session')).json()) as { csrf_token: string };
      const response = await fetch(path, {
        method,
        headers: { 'x-csrf-token': session.csrf_token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return response.status;
    },
    { method, path, body },
  );
}

/**
 * Drops Chromium's console line for answers a test caused on purpose (a 422 for a policy that does
 * not validate, a 403 for a call the role may not make): those are the API working, not a fault.
 */
export function expectAnswered(signedIn: SignedIn, status: number): void {
  const line = `console: Failed to load resource: the server responded with a status of ${status} `;
  const kept = signedIn.problems.filter((p) => !p.startsWith(line));
  signedIn.problems.length = 0;
  signedIn.problems.push(...kept);
}
