import { Logger } from '@nestjs/common';
import type { Pool, PoolConfig } from 'pg';
import { SingapayPaymentStoreError } from '../payments/singapay-payment-store.interface.js';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import { redactSecrets } from '../util/singapay-secret.js';

/**
 * An error of the PostgreSQL payment ledger. Its message never holds a password:
 * a driver error is re-made with its message scrubbed of credentials, its SQLSTATE
 * (`42P01`…) or socket error code (`ECONNREFUSED`…) kept in `code`, and no `cause`
 * (the driver's error can carry connection settings).
 * @publicApi
 */
export class SingapayPostgresError extends SingapayPaymentStoreError {
  override name = 'SingapayPostgresError';
}

/** The ledger's table is missing, or its schema is older than this package needs. */
export class SingapayPostgresSchemaError extends SingapayPostgresError {
  override name = 'SingapayPostgresSchemaError';

  constructor(message: string) {
    super(message, 'schema');
  }
}

// user:password@ in any URL-looking text, whatever the scheme.
// The password runs to the last '@' before the host: one may hold an unencoded '@'.
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^/\s]*@/gi;
// key=value connection strings: password=... up to the next space.
const KEYWORD_PASSWORD = /(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi;

/** Removes credentials from a text: known secrets, and whatever sits where a URL or keyword string keeps a password. */
export function redactConnectionSecrets(text: string, secrets: readonly string[] = []): string {
  // Known secrets first: a pattern that cuts a password short would leave the rest of it unrecognisable.
  return redactSecrets(text, secrets).replace(URL_CREDENTIALS, '$1:[REDACTED]@').replace(KEYWORD_PASSWORD, '$1[REDACTED]');
}

/** The password of a connection string, decoded, and one the pool's settings give, so that they can be scrubbed from messages. */
export function connectionStringSecrets(url: string | undefined, config?: SingapayPostgresPoolConfig): string[] {
  const given = typeof config?.password === 'string' ? [config.password] : [];
  if (!url || !URL.canParse(url)) return given.filter((s) => s.length > 0);
  const u = new URL(url);
  return [u.password, safeDecode(u.password), u.searchParams.get('password') ?? '', ...given].filter((s) => s.length > 0);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** SQLSTATE classes 08 (connection) and 57P (shutdown), and socket errors: the server is out of reach, not the query wrong. */
export function isConnectionFailure(code: string | undefined): boolean {
  return !code || /^(08|57P|E(CONN|TIMEDOUT|HOSTUNREACH|NETUNREACH|NOTFOUND|AI_|PIPE|ADDRNOTAVAIL))/.test(code);
}

/**
 * Wraps a driver error (never rethrown as is: its fields may hold connection settings). `where`
 * (host, port, database and timeout, never a password) is added when the server was out of reach.
 */
export function toSingapayPostgresError(error: unknown, secrets: readonly string[], what: string, where?: string): SingapayPostgresError {
  if (error instanceof SingapayPostgresError) return error;
  const e = error as { code?: unknown; message?: unknown; name?: unknown } | undefined;
  const message = typeof e?.message === 'string' && e.message ? e.message : typeof e?.name === 'string' ? e.name : 'unknown error';
  // An SSL mismatch comes without a code; it is the settings, which no retry changes.
  const code = typeof e?.code === 'string' ? e.code : /\bSSL\b/.test(message) ? 'ssl' : undefined;
  const at = where && isConnectionFailure(code) ? `; ${where}` : '';
  return new SingapayPostgresError(
    `PostgreSQL could not ${what}: ${redactConnectionSecrets(message, secrets)}${code ? ` (${code})` : ''}${at}`,
    code,
  );
}

/** Where a connection string points, for messages: host, port, database and the connect timeout; never the user or password. */
export function describePostgresTarget(url: string, config: SingapayPostgresPoolConfig = {}): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const u = new URL(url);
  // An '@' past the host means a password with an unencoded '/', '?' or '#': the parts are not what they seem, and may hold the password.
  if (/@/.test(`${u.pathname}${u.search}${u.hash}`)) return undefined;
  const host = u.hostname || u.searchParams.get('host') || 'localhost';
  const database = u.pathname.replace(/^\//, '') || '(default database)';
  const timeout = config.connectionTimeoutMillis ?? SINGAPAY_POSTGRES_POOL_DEFAULTS.connectionTimeoutMillis;
  return `server ${host}:${u.port || '5432'}, database ${database}, connect timeout ${timeout} ms`;
}

type PgModule = { Pool: typeof Pool };

/** `pg` is an optional peer dependency: loaded the first time a PostgreSQL store needs a pool. */
async function loadPg(): Promise<PgModule> {
  const m = await import('pg').catch(() => {
    throw new SingapayPostgresError(
      'The PostgreSQL payment store needs the pg package, which is not installed: npm install pg',
      'ERR_MODULE_NOT_FOUND',
    );
  });
  return ((m as unknown as { default?: PgModule }).default ?? m) as PgModule;
}

/** Settings of a pool the module or a store opens itself from a connection string. */
export type SingapayPostgresPoolConfig = Omit<PoolConfig, 'connectionString'>;

const SINGAPAY_POSTGRES_POOL_DEFAULTS = {
  max: 10,
  connectionTimeoutMillis: 5_000,
  idleTimeoutMillis: 30_000,
  // A stuck statement must not hold a payment forever; the engine treats a store error as "not recorded", safely.
  query_timeout: 15_000,
} as const;

/**
 * Opens a pool from a connection string. The string (password inside) is kept off
 * the pool's enumerable settings, so printing the pool cannot show it; the pool's
 * `error` events (an idle connection dropped by the server) are logged once, by
 * code only, instead of crashing the process.
 */
export async function openSingapayPostgresPool(url: string, config: SingapayPostgresPoolConfig = {}): Promise<Pool> {
  const pg = await loadPg();
  let pool: Pool;
  try {
    pool = new pg.Pool({ ...SINGAPAY_POSTGRES_POOL_DEFAULTS, ...config, connectionString: url });
  } catch (error) {
    throw toSingapayPostgresError(error, connectionStringSecrets(url, config), 'open a connection pool');
  }
  const options = (pool as unknown as { options?: Record<string, unknown> }).options;
  if (options && Object.hasOwn(options, 'connectionString')) Object.defineProperty(options, 'connectionString', { enumerable: false });
  const logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  let warned = false;
  pool.on('error', (error: Error & { code?: string }) => {
    if (!warned) logger.warn(`PostgreSQL connection dropped (${error.code ?? error.name}); the pool reconnects on next use`);
    warned = true;
  });
  pool.on('connect', () => {
    warned = false;
  });
  return pool;
}
