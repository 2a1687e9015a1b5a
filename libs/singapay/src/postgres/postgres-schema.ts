import type { Pool, PoolClient } from 'pg';
import { SingapayPostgresError, SingapayPostgresSchemaError } from './postgres-connection.js';

/** The table of payment records. */
export const SINGAPAY_POSTGRES_TABLE = 'singapay_payments';
/** One row per applied migration: the schema version is its highest `version`. */
const SINGAPAY_POSTGRES_MIGRATIONS_TABLE = 'singapay_schema_migrations';

/** A step of the ledger's schema. Every step is idempotent, so the printed script can run twice. */
export interface SingapayPostgresMigration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${SINGAPAY_POSTGRES_MIGRATIONS_TABLE} (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`;

/**
 * The ledger's migrations, in order. Never edit one that shipped: add the next.
 * Steps must be additive (new columns, indexes), so that replicas still on the
 * previous version keep working while a rolling deploy goes on.
 */
export const SINGAPAY_POSTGRES_MIGRATIONS: readonly SingapayPostgresMigration[] = Object.freeze([
  {
    version: 1,
    name: 'create singapay_payments',
    sql: `CREATE TABLE IF NOT EXISTS ${SINGAPAY_POSTGRES_TABLE} (
  namespace       text        NOT NULL,
  idempotency_key text        NOT NULL,
  version         bigint      NOT NULL,
  state           text        NOT NULL,
  settled         boolean     NOT NULL,
  transaction_id  text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  record          jsonb       NOT NULL,
  record_exact    text,
  CONSTRAINT singapay_payments_pkey PRIMARY KEY (namespace, idempotency_key),
  CONSTRAINT singapay_payments_transaction_id_key UNIQUE (namespace, transaction_id)
);
CREATE INDEX IF NOT EXISTS singapay_payments_unsettled_idx
  ON ${SINGAPAY_POSTGRES_TABLE} (namespace, created_at, idempotency_key) WHERE NOT settled;
CREATE INDEX IF NOT EXISTS singapay_payments_prunable_idx
  ON ${SINGAPAY_POSTGRES_TABLE} (updated_at) WHERE settled;
COMMENT ON TABLE ${SINGAPAY_POSTGRES_TABLE} IS
  'nestjs-singapay payment records, one per idempotency key: the money trail, kept until pruned (npx singapay prune)';
COMMENT ON COLUMN ${SINGAPAY_POSTGRES_TABLE}.version IS 'compare-and-set version; equals record->version';
COMMENT ON COLUMN ${SINGAPAY_POSTGRES_TABLE}.settled IS 'needs no more looking after (the package decides it); unsettled rows are swept by the sweep';
COMMENT ON COLUMN ${SINGAPAY_POSTGRES_TABLE}.record_exact IS
  'the exact record JSON when jsonb cannot hold it (NUL characters, unpaired surrogates, very deep nesting); record then holds a sanitised copy';`,
  },
  {
    version: 2,
    name: 'index singapay_payments by creation',
    // For the daily reconciliation: the records of a day, in the byte order of their keys
    // (COLLATE "C", the order every store lists them in).
    sql: `-- Building it holds writes to the table until done: on a large table, run this statement with
-- CREATE INDEX CONCURRENTLY first (outside a transaction); this step then finds the index there.
CREATE INDEX IF NOT EXISTS singapay_payments_created_idx
  ON ${SINGAPAY_POSTGRES_TABLE} (namespace, created_at, idempotency_key COLLATE "C");`,
  },
  {
    version: 3,
    name: 'index open singapay_payments by customer',
    // For callbacks and lost answers: one customer's open payments, oldest first, without reading
    // the whole backlog of open payments (which grows when Singapay is down, just when it matters).
    sql: `-- Only unsettled rows enter it, but building it reads the whole table and holds writes until done:
-- on a large table, run this statement with CREATE INDEX CONCURRENTLY first (outside a transaction).
CREATE INDEX IF NOT EXISTS singapay_payments_unsettled_customer_idx
  ON ${SINGAPAY_POSTGRES_TABLE} (namespace, (record->>'customerId'), created_at, idempotency_key) WHERE NOT settled;`,
  },
]);

/** The schema version this package reads and writes. */
export const SINGAPAY_POSTGRES_SCHEMA_VERSION = SINGAPAY_POSTGRES_MIGRATIONS[SINGAPAY_POSTGRES_MIGRATIONS.length - 1]!.version;

// "singapay" as a number: one migration at a time, however many replicas start at once.
const MIGRATION_LOCK = '8316299577211773305';

const FIX =
  '`npx singapay migrate` (reads SINGAPAY_DATABASE_URL, or pass --database-url), or apply the SQL of `npx singapay migrate --print` with your own migrations';

// What a migration run starts with, printed or applied: its transaction, the lock, the table of versions.
const OPENING = ['BEGIN;', `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});`, MIGRATIONS_TABLE_SQL];

/** The statement that records a migration as applied. */
const recorded = (m: SingapayPostgresMigration): string =>
  `INSERT INTO ${SINGAPAY_POSTGRES_MIGRATIONS_TABLE} (version, name) VALUES (${m.version}, '${m.name.replace(/'/g, "''")}') ON CONFLICT (version) DO NOTHING;`;

/**
 * The SQL of the migrations after `fromVersion`, as one transaction, for teams
 * that run their own migrations. It is what `singapay migrate` applies, and it is
 * safe to run again.
 */
export function singapayPostgresMigrationSql(fromVersion = 0): string {
  const pending = SINGAPAY_POSTGRES_MIGRATIONS.filter((m) => m.version > fromVersion);
  const lines = [
    `-- nestjs-singapay: PostgreSQL payment ledger, schema version ${SINGAPAY_POSTGRES_SCHEMA_VERSION}` +
      (fromVersion > 0 ? ` (steps after version ${fromVersion})` : ''),
    '-- Idempotent: safe to run again. `npx singapay migrate` applies the same statements.',
    ...OPENING,
  ];
  for (const m of pending) lines.push('', `-- ${m.version}: ${m.name}`, m.sql, recorded(m));
  lines.push('COMMIT;', '');
  return lines.join('\n');
}

export interface SingapayPostgresMigrateResult {
  /** Schema version before. */
  from: number;
  /** Schema version now. */
  to: number;
  /** Versions this run applied (none when the schema was up to date). */
  applied: number[];
}

/** Applies the pending migrations in one transaction, under an advisory lock. */
export async function migrateSingapayPostgres(pool: Pool): Promise<SingapayPostgresMigrateResult> {
  const client: PoolClient = await pool.connect();
  try {
    for (const sql of OPENING) await client.query(sql);
    const from = await currentVersion(client);
    const applied: number[] = [];
    for (const m of SINGAPAY_POSTGRES_MIGRATIONS) {
      if (m.version <= from) continue;
      await client.query(m.sql);
      await client.query(recorded(m));
      applied.push(m.version);
    }
    await client.query('COMMIT');
    client.release();
    return { from, to: Math.max(from, SINGAPAY_POSTGRES_SCHEMA_VERSION), applied };
  } catch (error) {
    // Never back to the pool: after a failure (a query_timeout above all, whose statement still runs
    // on the server and holds back a ROLLBACK queued behind it) the connection may still be inside
    // this BEGIN, and the claims the pool hands it would "commit" into a transaction that the
    // server rolls back later, leaving their keys free for a second payment. Closing it ends the
    // transaction on the server.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

async function currentVersion(db: Pick<Pool, 'query'>): Promise<number> {
  const { rows } = await db.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${SINGAPAY_POSTGRES_MIGRATIONS_TABLE}`);
  return rows[0]?.version ?? 0;
}

export interface SingapayPostgresSchemaStatus {
  /** The database's schema version. */
  version: number;
  /** The version this package needs. */
  required: number;
  /** The database is ahead of this package (a newer release migrated it): it still works, steps being additive. */
  newer: boolean;
}

/**
 * Checks that the ledger's table exists at the version this package needs; throws
 * `SingapayPostgresSchemaError` naming `npx singapay migrate` when it is missing or old.
 * Never creates anything: the schema changes only when someone runs the migration.
 */
export async function checkSingapayPostgresSchema(pool: Pick<Pool, 'query'>): Promise<SingapayPostgresSchemaStatus> {
  const { rows } = await pool.query<{ payments: string | null; migrations: string | null; encoding: string }>(
    `SELECT to_regclass($1)::text AS payments, to_regclass($2)::text AS migrations, current_setting('server_encoding') AS encoding`,
    [SINGAPAY_POSTGRES_TABLE, SINGAPAY_POSTGRES_MIGRATIONS_TABLE],
  );
  const found = rows[0]!;
  const required = SINGAPAY_POSTGRES_SCHEMA_VERSION;
  if (!found.payments) {
    throw new SingapayPostgresSchemaError(
      `The PostgreSQL payment ledger is not set up: this database has no ${SINGAPAY_POSTGRES_TABLE} table (on its search_path). Create it with ${FIX}`,
    );
  }
  const version = found.migrations ? await currentVersion(pool) : 0;
  if (version < required) {
    throw new SingapayPostgresSchemaError(
      `The PostgreSQL payment ledger's schema is at version ${version}, older than version ${required} this package needs. Upgrade it with ${FIX}`,
    );
  }
  if (found.encoding.toUpperCase() !== 'UTF8') {
    throw new SingapayPostgresError(
      `The PostgreSQL payment ledger needs a UTF8 database (this one is ${found.encoding}): Singapay's answers hold text in any script`,
      'encoding',
    );
  }
  return { version, required, newer: version > required };
}

/** Records must have been final this long before they may be pruned: callbacks and refunds come late. */
export const SINGAPAY_POSTGRES_PRUNE_MIN_AGE_MS = 7 * 24 * 3600_000;

export interface SingapayPostgresPruneOptions {
  /** Delete final records last changed before this instant. At least 7 days ago. */
  before: Date;
  /**
   * Count, delete nothing.
   * @default false
   */
  dryRun?: boolean;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
  /**
   * Refuse (a `RangeError`, nothing deleted) when the table holds records of a production
   * registration: what `npx singapay prune` does without `--production`, whatever the shell's
   * `SINGAPAY_ENV` says, since one database may serve several environments.
   * @default false
   */
  refuseProduction?: boolean;
}

/**
 * Deletes settled records (final: success, failed, refunded) last changed before
 * `options.before`, in every namespace, in batches so that payments are never held
 * up. Unsettled records are never deleted. Returns how many were (or would be) deleted.
 */
export async function pruneSingapayPostgres(pool: Pick<Pool, 'query'>, options: SingapayPostgresPruneOptions): Promise<number> {
  const before = options.before;
  if (!(before instanceof Date) || Number.isNaN(before.getTime())) throw new RangeError('prune: before must be a valid date');
  const now = (options.now ?? Date.now)();
  if (before.getTime() > now - SINGAPAY_POSTGRES_PRUNE_MIN_AGE_MS) {
    throw new RangeError(
      `prune: before must be at least 7 days ago (${new Date(now - SINGAPAY_POSTGRES_PRUNE_MIN_AGE_MS).toISOString()} or earlier): refunds and callbacks still arrive for recent payments`,
    );
  }
  if (options.refuseProduction && !options.dryRun) {
    // Payment namespaces are registration:environment:client-id-hash (singapayStoreScope).
    const { rows } = await pool.query(`SELECT 1 FROM ${SINGAPAY_POSTGRES_TABLE} WHERE namespace LIKE '%:production:%' LIMIT 1`);
    if (rows.length > 0) {
      throw new RangeError(
        'prune: the table holds records of a production registration: refused without --production (prune deletes records of every registration in that database; --dry-run counts them)',
      );
    }
  }
  const values = [before.toISOString()];
  // What may go: final, and last changed before $1.
  const prunable = 'settled AND updated_at < $1';
  if (options.dryRun) {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${SINGAPAY_POSTGRES_TABLE} WHERE ${prunable}`, values);
    return Number(rows[0]?.n ?? 0);
  }
  let total = 0;
  for (;;) {
    // The outer condition is checked again on the row as it is now: a record that changed meanwhile stays.
    const { rowCount } = await pool.query(
      `DELETE FROM ${SINGAPAY_POSTGRES_TABLE}
        WHERE (namespace, idempotency_key) IN (
          SELECT namespace, idempotency_key FROM ${SINGAPAY_POSTGRES_TABLE} WHERE ${prunable} LIMIT 1000)
          AND ${prunable}`,
      values,
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < 1000) return total;
  }
}
