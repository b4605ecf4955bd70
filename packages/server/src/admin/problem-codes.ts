/**
 * The closed list of admin API problem codes (RFC 9457 §3.1 `type` = `urn:agentauth:problem:<code>`),
 * each with its HTTP status and fixed title. docs/errors.md lists the same codes under
 * "Admin API problem codes"; a test keeps the two in agreement in both directions.
 */
export const ADMIN_PROBLEMS = {
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  rotation_too_soon: { status: 409, title: 'Key rotation too soon' },
  policy_lockout: { status: 409, title: 'Policy set would lock out the admin API' },
  policy_invalid: { status: 422, title: 'Policy does not validate' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  validation_failed: { status: 400, title: 'Validation failed' },
  malformed_json: { status: 400, title: 'Malformed JSON' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  internal_error: { status: 500, title: 'Internal error' },
  storage_unavailable: { status: 503, title: 'Storage unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

/** One admin problem code. */
export type AdminProblemCode = keyof typeof ADMIN_PROBLEMS;

/** Every code, in documentation order. */
export const ADMIN_PROBLEM_CODES = Object.keys(ADMIN_PROBLEMS) as AdminProblemCode[];
