import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import type { SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import { COLUMNS, rowParameters } from './postgres-payment.rows.js';
import type { SingapayPaymentRecordCursor, SingapayPaymentStore } from '../payments/singapay-payment-store.interface.js';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import {
  connectionStringSecrets,
  isConnectionFailure,
  openSingapayPostgresPool,
  SingapayPostgresError,
  toSingapayPostgresError,
  describePostgresTarget,
  type SingapayPostgresPoolConfig,
} from './postgres-connection.js';
import {
  checkSingapayPostgresSchema,
  migrateSingapayPostgres,
  pruneSingapayPostgres,
  SINGAPAY_POSTGRES_TABLE,
  type SingapayPostgresMigrateResult,
  type SingapayPostgresPruneOptions,
  type SingapayPostgresSchemaStatus,
} from './postgres-schema.js';

export interface PostgresPaymentStoreOptions {
  /**
   * Settings of the pool the store opens when given a connection string (size, ssl…).
   * Ignored when you pass your own `pg.Pool`.
   * @default { max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000, query_timeout: 15000 }
   */
  pool?: SingapayPostgresPoolConfig;
  /**
   * Prepare the statements of the payment path once per connection, so that a payment's two
   * writes are neither parsed nor planned again. Turn off behind a pooler that cannot keep a
   * connection's prepared statements (PgBouncer in transaction mode before 1.21, or without
   * `max_prepared_statements`); left on there, the store notices the first refusal (nothing
   * was written by it) and goes unnamed by itself.
   * @default true
   */
  preparedStatements?: boolean;
}

const T = SINGAPAY_POSTGRES_TABLE;

// "prepared statement does not exist" / "already exists": answered before the statement ran.
const PREPARED_STATEMENT_REFUSED = new Set(['26000', '42P05']);

// No write of a record commits with synchronous_commit = off, whatever the server's or the
// pool's default: with it off, a server crash can lose a committed claim, and a lost claim is a
// key that pays twice. Off becomes on; any other setting (on, local, remote_write, remote_apply)
// already waits for the local flush and is kept. set_config(…, true) lasts until the statement's
// own (implicit) transaction commits: no round trip, and nothing else on the connection changes.
const DURABLE = `WITH durable AS (
  SELECT set_config('synchronous_commit',
    CASE current_setting('synchronous_commit') WHEN 'off' THEN 'on' ELSE current_setting('synchronous_commit') END, true))`;

/** The server settings that decide whether a committed record survives a crash. */
export interface SingapayPostgresDurability {
  /** `fsync`: off lets a server crash lose committed data, whatever the module does. */
  fsync: boolean;
  /** The server's (or the connection's) default `synchronous_commit`; the module's own writes raise `off` to `on`. */
  synchronousCommit: string;
}

/** The pool and its state, shared by a store and its namespaced copies. */
class PostgresHandle {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  readonly #url?: string;
  readonly #poolConfig?: SingapayPostgresPoolConfig;
  // The pool passed in, or the one opened from #url on first use.
  #pool?: Promise<Pool>;
  private down = false;
  private missingTable = false;
  private named: boolean;

  constructor(source: Pool | string, poolConfig: SingapayPostgresPoolConfig | undefined, preparedStatements = true) {
    if (typeof source === 'string') this.#url = source;
    else this.#pool = Promise.resolve(source);
    this.#poolConfig = poolConfig;
    this.named = preparedStatements;
  }

  /**
   * Runs a statement. One with a `name` is prepared once per connection unless `preparedStatements`
   * is off or the server refused one (a pooler that lost it), after which every statement goes unnamed.
   */
  async run<R extends Record<string, unknown>>(what: string, sql: string, values: unknown[], name?: string) {
    const { rows, rowCount } = await this.use(what, (pool) => this.query<R>(pool, sql, values, name));
    if (this.down) this.logger.log('PostgreSQL reachable again');
    this.down = false;
    this.missingTable = false;
    return { rows, rowCount: rowCount ?? 0 };
  }

  private async query<R extends Record<string, unknown>>(pool: Pool, text: string, values: unknown[], name?: string) {
    if (name && this.named) {
      try {
        return await pool.query<R>({ name, text, values });
      } catch (error) {
        if (!PREPARED_STATEMENT_REFUSED.has((error as { code?: string })?.code ?? '')) throw error;
        this.named = false;
        this.logger.warn(
          'PostgreSQL refused a prepared statement (a pooler in transaction mode?): the payment store sends its statements unnamed from now on; set preparedStatements: false to say so',
        );
      }
    }
    return pool.query<R>({ text, values });
  }

  /** Runs work on the pool (a statement, or a schema function: check, migrate, prune); its errors wrapped, but those of class `own`. */
  async use<T>(what: string, work: (pool: Pool) => Promise<T>, own?: ErrorConstructor): Promise<T> {
    this.#pool ??= openSingapayPostgresPool(this.#url!, this.#poolConfig).catch((error: unknown) => {
      this.#pool = undefined;
      throw error;
    });
    const pool = await this.#pool;
    try {
      return await work(pool);
    } catch (error) {
      throw own && error instanceof own ? error : this.failure(error, what);
    }
  }

  private failure(error: unknown, what: string): SingapayPostgresError {
    const where = this.#url ? describePostgresTarget(this.#url, this.#poolConfig) : undefined;
    const wrapped = toSingapayPostgresError(error, connectionStringSecrets(this.#url, this.#poolConfig), what, where);
    if (wrapped.code === '42P01') {
      if (!this.missingTable) this.logger.error(`PostgreSQL has no ${T} table: run npx singapay migrate; payments are refused until then`);
      this.missingTable = true;
    } else if (isConnectionFailure(wrapped.code)) {
      if (!this.down)
        this.logger.warn(`PostgreSQL unavailable (${wrapped.code ?? 'no answer'}): payments are refused until it is back; reads carry on`);
      this.down = true;
    }
    return wrapped;
  }

  async close(): Promise<void> {
    // A pool passed in is never closed here.
    if (this.#url === undefined) return;
    const own = this.#pool;
    this.#pool = undefined;
    if (own) await (await own.catch(() => undefined))?.end().catch(() => undefined);
  }
}

/**
 * Payment records in PostgreSQL, next to your orders: the money trail, kept until
 * you prune it (`npx singapay prune`). One row per idempotency key, claimed
 * atomically (`INSERT … ON CONFLICT DO NOTHING`), changed by compare-and-set on a
 * version column, a Singapay transaction id held by at most one key (a unique
 * constraint), and a partial index of unsettled records for the sweeps.
 * Create the table with `npx singapay migrate` first. `pg` is an optional peer
 * dependency: pass your `pg.Pool` (never closed by the store) or a connection string
 * (the store opens a pool and `close()` ends it).
 * @publicApi
 */
export class PostgresPaymentStore implements SingapayPaymentStore {
  // A private field: the pool's settings may hold a password, and util.inspect() shows ordinary fields.
  readonly #handle: PostgresHandle;

  constructor(
    pool: Pool | string,
    options: PostgresPaymentStoreOptions = {},
    private readonly namespace = 'default',
  ) {
    // withNamespace() hands its copies the same handle (its options with it), so that they share one pool.
    this.#handle =
      (pool as unknown) instanceof PostgresHandle
        ? (pool as unknown as PostgresHandle)
        : new PostgresHandle(pool, options.pool, options.preparedStatements);
  }

  /** The same database and pool, with the records of another registration/credential. */
  withNamespace(namespace: string): PostgresPaymentStore {
    return new PostgresPaymentStore(this.#handle as unknown as Pool, {}, namespace);
  }

  /** Throws `SingapayPostgresSchemaError` (naming `npx singapay migrate`) when the table is missing or old. */
  checkSchema(): Promise<SingapayPostgresSchemaStatus> {
    return this.#handle.use('check the payment ledger schema', checkSingapayPostgresSchema);
  }

  /** Reads the server settings that decide whether a committed record survives a crash. */
  async checkDurability(): Promise<SingapayPostgresDurability> {
    const { rows } = await this.#handle.run<{ fsync: string; synchronous_commit: string }>(
      'read the server settings',
      `SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit`,
      [],
    );
    return { fsync: rows[0]?.fsync !== 'off', synchronousCommit: rows[0]?.synchronous_commit ?? 'unknown' };
  }

  /** Applies pending migrations (what `npx singapay migrate` does). */
  migrate(): Promise<SingapayPostgresMigrateResult> {
    return this.#handle.use('migrate the payment ledger', migrateSingapayPostgres);
  }

  /** Deletes final records last changed before `before`, in every namespace (what `npx singapay prune` does). */
  prune(options: SingapayPostgresPruneOptions): Promise<number> {
    // A RangeError is prune's refusal of its options: the caller's own mistake, passed on as it is.
    return this.#handle.use('prune the payment ledger', (pool) => pruneSingapayPostgres(pool, options), RangeError);
  }

  /** Ends the pool the store opened from a connection string; a pool you passed is left open. */
  close(): Promise<void> {
    return this.#handle.close();
  }

  async create(record: SingapayPaymentRecord): Promise<{ created: boolean; record: SingapayPaymentRecord }> {
    const params = rowParameters(this.namespace, record);
    // A record read back can be gone only if it was pruned in between: claim again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.#handle
        .run(
          'record the payment',
          `${DURABLE}
           INSERT INTO ${T} (namespace, idempotency_key, version, state, settled, transaction_id, created_at, updated_at, record, record_exact)
           SELECT $1::text, $2::text, $3::bigint, $4::text, $5::boolean, $6::text, $7::timestamptz, $8::timestamptz, $9::jsonb, $10::text
             FROM durable
           ON CONFLICT (namespace, idempotency_key) DO NOTHING`,
          params,
          'singapay_payment_create_v2',
        )
        .catch((error: SingapayPostgresError) => {
          if (error.code !== '23505') throw error;
          throw new SingapayPostgresError('PostgreSQL refused the record: its transaction id is held by another payment', '23505');
        });
      if (inserted.rowCount === 1) return { created: true, record };
      const existing = await this.get(record.key);
      if (existing) return { created: false, record: existing };
    }
    throw new SingapayPostgresError('PostgreSQL neither created nor returned the payment record', 'claim');
  }

  async get(key: string): Promise<SingapayPaymentRecord | undefined> {
    const [record] = await this.select(
      'read the payment',
      'WHERE namespace = $1 AND idempotency_key = $2',
      [this.namespace, key],
      'singapay_payment_get_v2',
    );
    return record;
  }

  async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
    if (record.version !== expectedVersion + 1) return false;
    const params = rowParameters(this.namespace, record);
    try {
      // The NOT EXISTS spares the server an error in the usual case; the unique
      // constraint decides when two keys race for one transaction.
      const { rowCount } = await this.#handle.run(
        'update the payment',
        `${DURABLE}
         UPDATE ${T}
            SET version = $3, state = $4, settled = $5, transaction_id = $6, created_at = $7, updated_at = $8,
                record = $9::jsonb, record_exact = $10
           FROM durable
          WHERE namespace = $1 AND idempotency_key = $2 AND version = $11
            AND ($6::text IS NULL OR NOT EXISTS (
              SELECT 1 FROM ${T} other WHERE other.namespace = $1 AND other.transaction_id = $6 AND other.idempotency_key <> $2))`,
        [...params, expectedVersion],
        'singapay_payment_replace_v2',
      );
      return rowCount === 1;
    } catch (error) {
      // The only unique constraint an update can break: another key took the transaction first.
      if ((error as SingapayPostgresError).code === '23505') return false;
      throw error;
    }
  }

  async findByTransactionId(transactionId: string): Promise<SingapayPaymentRecord | undefined> {
    const [record] = await this.select('find the payment of a transaction', 'WHERE namespace = $1 AND transaction_id = $2', [
      this.namespace,
      transactionId,
    ]);
    return record;
  }

  async listUnsettled(limit: number, after?: SingapayPaymentRecordCursor): Promise<SingapayPaymentRecord[]> {
    const take = Math.max(0, Math.floor(limit));
    if (take === 0) return [];
    // Resumed in the order of the index of open payments (migration 1), its keys in the database's collation.
    return this.select(
      'list unsettled payments',
      `WHERE namespace = $1 AND NOT settled AND ($2::timestamptz IS NULL OR (created_at, idempotency_key) > ($2::timestamptz, $3::text))
        ORDER BY created_at, idempotency_key LIMIT $4`,
      [this.namespace, after ? new Date(after.createdAt).toISOString() : null, after?.key ?? null, take],
    );
  }

  async listUnsettledOf(customerId: string, limit: number): Promise<SingapayPaymentRecord[]> {
    const take = Math.max(0, Math.floor(limit));
    if (take === 0) return [];
    // Served by the index of open payments by customer (migration 3), in its order.
    return this.select(
      'list unsettled payments',
      `WHERE namespace = $1 AND NOT settled AND record->>'customerId' = $2 ORDER BY created_at, idempotency_key LIMIT $3`,
      [this.namespace, customerId, take],
    );
  }

  async listCreatedBetween(
    fromMs: number,
    toMs: number,
    limit: number,
    after?: SingapayPaymentRecordCursor,
  ): Promise<SingapayPaymentRecord[]> {
    const take = Math.max(0, Math.floor(limit));
    if (take === 0 || !(toMs > fromMs)) return [];
    const at = (ms: number) => new Date(ms).toISOString();
    // COLLATE "C": key order by bytes, as the index (migration 2) and every other store have it.
    return this.select(
      'list payments by creation',
      `WHERE namespace = $1 AND created_at >= $2 AND created_at < $3
          AND ($4::timestamptz IS NULL OR (created_at, idempotency_key COLLATE "C") > ($4::timestamptz, $5::text))
        ORDER BY created_at, idempotency_key COLLATE "C" LIMIT $6`,
      [this.namespace, at(fromMs), at(toMs), after ? at(after.createdAt) : null, after?.key ?? null, take],
    );
  }

  /** The records a `SELECT … FROM` the table finds, `where` saying which and in what order. */
  private async select(what: string, where: string, values: unknown[], name?: string): Promise<SingapayPaymentRecord[]> {
    const { rows } = await this.#handle.run<{ record: string }>(what, `SELECT ${COLUMNS} FROM ${T} ${where}`, values, name);
    return rows.map((r) => JSON.parse(r.record) as SingapayPaymentRecord);
  }
}
