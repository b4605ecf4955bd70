import { Type, type Static } from 'typebox';
import { ADMIN_PROBLEM_CODES, type AdminProblemCode } from '../problem-codes.js';
import { PolicyProblem } from './policy.js';
import { StringEnum } from './primitives.js';

/** RFC 9457 §3.1 problem details, plus our stable `code` (an RFC 9457 §3.2 extension member). */
export const Problem = Type.Object(
  {
    type: Type.Unsafe<`urn:agentauth:problem:${AdminProblemCode}`>({ type: 'string', examples: ['urn:agentauth:problem:not_found'] }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: StringEnum(ADMIN_PROBLEM_CODES),
    problems: Type.Optional(Type.Array(PolicyProblem, { description: "With `policy_invalid`: Cedar's messages, each with the line and column in the source sent." })),
  },
  { description: 'RFC 9457 problem details with a stable `code` (docs/errors.md).' },
);
export type Problem = Static<typeof Problem>;
