import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVALUATION, EVALUATIONS, ISSUANCE, startPdp, type PdpHarness } from './authzen-harness.js';

/*
 * The AuthZEN interop "Todo" scenario (openid/authzen, interop/authzen-todo-backend, the decisions
 * for Authorization API 1.0 draft 02): users of a shared todo list, identified by their PIDs, with
 * roles (viewer, editor, admin, evil_genius) that the scenario leaves to each PDP's information
 * point. Here the roles are written into the policies; the requests and the expected decisions
 * are the scenario's.
 */
const USERS = {
  rick: { pid: 'CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs', email: 'rick@the-citadel.com' },
  morty: { pid: 'CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs', email: 'morty@the-citadel.com' },
  summer: { pid: 'CiRmZDI2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs', email: 'summer@the-smiths.com' },
  beth: { pid: 'CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs', email: 'beth@the-smiths.com' },
  jerry: { pid: 'CiRmZDQ2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs', email: 'jerry@the-smiths.com' },
} as const;
type Name = keyof typeof USERS;
const user = (name: Name) => `User::"${USERS[name].pid}"`;

const TODO_POLICIES = `${ISSUANCE}
@id("todo-viewers")
@description("Everyone may read users and the todo list.")
permit (principal is User, action == Action::"call_api", resource is ApiResource)
when { ["can_read_user", "can_read_todos"].contains(context.name) };

@id("todo-editors-create")
permit (principal is User, action == Action::"call_api", resource is ApiResource)
when { context.name == "can_create_todo" && [${user('rick')}, ${user('morty')}, ${user('summer')}].contains(principal) };

@id("todo-editors-own")
@description("Editors update and delete the todos they own.")
permit (principal is User, action == Action::"call_api", resource is ApiResource)
when {
  ["can_update_todo", "can_delete_todo"].contains(context.name) && resource.type == "todo" && resource.hasTag("ownerID") &&
  ((principal == ${user('morty')} && resource.getTag("ownerID") == "${USERS.morty.email}") ||
   (principal == ${user('summer')} && resource.getTag("ownerID") == "${USERS.summer.email}") ||
   (principal == ${user('rick')} && resource.getTag("ownerID") == "${USERS.rick.email}"))
};

@id("todo-admin-delete")
permit (principal == ${user('rick')}, action == Action::"call_api", resource is ApiResource) when { context.name == "can_delete_todo" };

@id("todo-evil-genius-update")
permit (principal == ${user('rick')}, action == Action::"call_api", resource is ApiResource) when { context.name == "can_update_todo" };
`;

/** [user, action, resource type, resource id, owner (the `ownerID` property) or null, expected]. */
const CASES: [Name, string, string, string, Name | null, boolean][] = [];
for (const name of Object.keys(USERS) as Name[]) {
  const editor = name === 'rick' || name === 'morty' || name === 'summer';
  const admin = name === 'rick';
  CASES.push([name, 'can_read_user', 'user', USERS.beth.email, null, true]);
  CASES.push([name, 'can_read_user', 'user', USERS[name].email, null, true]);
  CASES.push([name, 'can_read_todos', 'todo', 'todo-1', null, true]);
  CASES.push([name, 'can_create_todo', 'todo', 'todo-1', null, editor]);
  CASES.push([name, 'can_update_todo', 'todo', '7240d0db-8ff0-41ec-98b2-34a096273b92', 'rick', admin]);
  CASES.push([name, 'can_update_todo', 'todo', '7240d0db-8ff0-41ec-98b2-34a096273b91', admin ? 'morty' : name, editor]);
  CASES.push([name, 'can_delete_todo', 'todo', '7240d0db-8ff0-41ec-98b2-34a096273b92', 'rick', admin]);
  CASES.push([name, 'can_delete_todo', 'todo', '7240d0db-8ff0-41ec-98b2-34a096273b91', admin ? 'morty' : name, editor]);
}

describe('AuthZEN interop: the Todo scenario', () => {
  let h: PdpHarness;
  beforeAll(async () => {
    h = await startPdp();
    await h.policies(TODO_POLICIES);
  });
  afterAll(() => h.close());

  it.each(CASES)('%s %s on %s %s (owner %s): %s', async (name, action, type, id, owner, expected) => {
    const resource = { type, id, ...(owner === null ? {} : { properties: { ownerID: USERS[owner].email } }) };
    const response = await h.ask(EVALUATION, { subject: { type: 'user', id: USERS[name].pid }, action: { name: action }, resource, context: {} });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ decision: expected });
  });

  it("answers the scenario's boxcarred requests with the top-level subject and action as defaults", async () => {
    const todo = (id: string, owner: Name) => ({ resource: { type: 'todo', id, properties: { ownerID: USERS[owner].email } } });
    const ask = (name: Name, second: Name) =>
      h.ask(EVALUATIONS, { subject: { type: 'user', id: USERS[name].pid }, action: { name: 'can_update_todo' }, evaluations: [todo('7240d0db-8ff0-41ec-98b2-34a096273b92', 'rick'), todo('7240d0db-8ff0-41ec-98b2-34a096273b95', second)] });
    expect((await ask('rick', 'jerry')).json()).toEqual({ evaluations: [{ decision: true }, { decision: true }] });
    expect((await ask('morty', 'morty')).json()).toEqual({ evaluations: [{ decision: false }, { decision: true }] });
    expect((await ask('jerry', 'jerry')).json()).toEqual({ evaluations: [{ decision: false }, { decision: false }] });
  });
});
