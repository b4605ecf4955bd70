/**
 * The database could not be opened or migrated at start. The message says why in the operator's
 * terms (which server, which database, which user, what to change), never the URL's password:
 * only its host, port, database and user are named.
 */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
}

/** `error`, thrown while opening `databaseUrl` (undefined: SQLite in `dataDir`), explained. */
export function databaseOpenError(error: unknown, databaseUrl: string | undefined, dataDir: string): DatabaseOpenError {
  if (error instanceof DatabaseOpenError) return error;
  const cause = rootCause(error);
  // A failing migration wraps the driver's error: keep which migration it was.
  const context = error instanceof Error && error.message !== cause.message ? `${error.message}: ` : '';
  if (databaseUrl === undefined) {
    return new DatabaseOpenError(`cannot open the SQLite database in ${dataDir}: ${context}${cause.message}`, { cause: error });
  }
  return new DatabaseOpenError(`PostgreSQL: ${explainPostgres(cause, target(databaseUrl), context)}`, { cause: error });
}

interface Target {
  address: string;
  database: string;
  user: string;
}

/** Host, port, database and user of a postgres:// URL (libpq defaults where absent); no password. */
function target(databaseUrl: string): Target {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return { address: 'the configured server', database: 'the configured database', user: 'the configured user' };
  }
  const socketHost = url.searchParams.get('host');
  const host = url.hostname !== '' ? url.hostname : (socketHost ?? 'localhost');
  const user = decodeURIComponent(url.username) || 'the default user';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  return { address: `${host}:${url.port === '' ? '5432' : url.port}`, database, user };
}

function explainPostgres(cause: CodedError, at: Target, context: string): string {
  const { code, message } = cause;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${at.address}: is PostgreSQL running and listening there?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host of ${at.address}`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${at.address} (${code})`;
    case 'ECONNRESET':
      return `${at.address} closed the connection during the handshake`;
    case '3D000':
      return `database "${at.database}" does not exist on ${at.address}: create it (createdb ${at.database}) or fix the URL's path`;
    case '28P01':
      return `password authentication failed for user "${at.user}" at ${at.address}`;
    case '28000':
      if (/no encryption/i.test(message)) {
        return `${at.address} requires TLS for this connection (pg_hba.conf hostssl): add ?sslmode=verify-full (or require) to the URL`;
      }
      return `authentication refused for user "${at.user}" at ${at.address}: ${message}`;
    case '57P03':
      return `${at.address} is starting up or shutting down; try again shortly`;
    case '53300':
      return `${at.address} has no connection slots left (max_connections)`;
    case '42501':
      return `user "${at.user}" may not create the schema in "${at.database}": ${message}`;
    default:
      break;
  }
  if (/does not support SSL/i.test(message)) return `TLS was asked for (sslmode in the URL), but ${at.address} does not offer it`;
  if (code !== undefined && /CERT|SSL|TLS|UNABLE_TO_VERIFY|SELF_SIGNED/.test(code)) {
    return `the TLS certificate of ${at.address} is not trusted (${code}): give its CA with sslrootcert, or fix the host name`;
  }
  if (/timeout/i.test(message)) return `no answer from ${at.address} (timed out)`;
  return `cannot use database "${at.database}" at ${at.address}: ${context}${message}${code === undefined ? '' : ` (${code})`}`;
}

interface CodedError {
  code: string | undefined;
  message: string;
}

/** The innermost error that says something: migrations wrap the driver's error in their own. */
function rootCause(error: unknown): CodedError {
  let current: unknown = error;
  let found: CodedError = { code: undefined, message: error instanceof Error ? error.message : String(error) };
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    found = { code: typeof code === 'string' ? code : found.code, message: current.message };
    if (typeof code === 'string') return found;
    current = current.cause ?? (current instanceof AggregateError ? current.errors[0] : undefined);
  }
  return found;
}
