import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { refuseInProduction, type SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SINGAPAY_LOGGER_CONTEXT, SINGAPAY_RESOLVED_OPTIONS } from '../singapay.constants.js';
import { isConnectionFailure, SingapayPostgresError } from './postgres-connection.js';
import { PostgresPaymentStore } from './postgres-payment.store.js';

/** The PostgreSQL payment store the module opened from `databaseUrl`, or undefined. */
export const SINGAPAY_POSTGRES = Symbol('SINGAPAY_POSTGRES');

const STARTUP_ATTEMPTS = 5;

/**
 * Checks a PostgreSQL store's schema before the app serves: a missing or old table
 * stops the start-up with the fix (`npx singapay migrate`). A server still coming
 * up gets a few seconds; one that stays unreachable stops the start-up too, since
 * no payment could be recorded.
 */
export async function assertSingapayPostgresReady(
  store: PostgresPaymentStore,
  production: boolean,
  logger = new Logger(SINGAPAY_LOGGER_CONTEXT),
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const status = await store.checkSchema();
      if (status.newer) {
        logger.warn(
          `PostgreSQL payment ledger schema is at version ${status.version}, newer than version ${status.required} this package knows: a newer release migrated it; carrying on (steps are additive)`,
        );
      }
      const durability = await store.checkDurability();
      if (!durability.fsync) {
        const problem =
          'the PostgreSQL server that keeps payment records runs with fsync = off: a server crash can lose committed records, ' +
          'and a lost claim is an idempotency key that pays twice. Set fsync = on in postgresql.conf';
        refuseInProduction([problem], production, logger);
      }
      logger.log(
        `Payment records are kept in PostgreSQL (schema version ${status.version}; fsync ${durability.fsync ? 'on' : 'off'}, ` +
          `synchronous_commit ${durability.synchronousCommit === 'off' ? 'raised from off to on for its writes' : durability.synchronousCommit})`,
      );
      return;
    } catch (error) {
      const retryable = error instanceof SingapayPostgresError && error.name === 'SingapayPostgresError' && isConnectionFailure(error.code);
      if (!retryable || attempt >= STARTUP_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 250 * 2 ** attempt)));
    }
  }
}

/**
 * The PostgreSQL pool the module opens itself when `databaseUrl` is set (`pg` is
 * loaded only then, so it stays optional), and closes on shutdown. A store or pool
 * the app passed in is never closed here.
 */
@Injectable()
export class SingapayPostgresConnection implements OnApplicationShutdown {
  #store?: PostgresPaymentStore;
  #closed = false;

  constructor(@Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions) {}

  async connect(): Promise<PostgresPaymentStore | undefined> {
    const url = this.options.databaseUrl?.reveal();
    // An explicit paymentStore wins over databaseUrl: no pool to open. Nor after a refused start-up closed the module's connections.
    if (!url || this.options.paymentStore || this.#closed) return undefined;
    const store = new PostgresPaymentStore(url);
    this.#store = store;
    await assertSingapayPostgresReady(store, this.options.environment === 'production');
    return store;
  }

  async onApplicationShutdown(): Promise<void> {
    this.#closed = true;
    await this.#store?.close();
    this.#store = undefined;
  }
}
