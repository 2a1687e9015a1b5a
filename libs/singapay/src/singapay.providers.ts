import { Logger, type Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { RedisPaymentStore } from './redis/redis-payment.store.js';
import { RedisTokenStore } from './redis/redis-token.store.js';
import { SingapayRedisConnection } from './redis/singapay-redis.connection.js';
import { checkSingapayRedisLedger } from './redis/singapay-redis.durability.js';
import { PostgresPaymentStore } from './postgres/postgres-payment.store.js';
import { assertSingapayPostgresReady, SINGAPAY_POSTGRES, SingapayPostgresConnection } from './postgres/singapay-postgres.connection.js';
import { SingapayCallbackReceiver } from './callbacks/singapay-callback.receiver.js';
import { SingapayAuthService } from './auth/singapay-auth.service.js';
import { SingapayInMemoryTokenStore } from './auth/singapay-in-memory-token.store.js';
import { SingapayTokenStore } from './auth/singapay-token-store.interface.js';
import { SingapayTokenProvider } from './auth/singapay-token.provider.js';
import {
  resolveSingapayOptions,
  SingapayConfigurationError,
  type SingapayOptionsInput,
  type SingapayResolvedOptions,
} from './config/singapay-options.validation.js';
import { SINGAPAY_ENV_VARS } from './config/singapay.config.js';
import { SingapayErrorFactory } from './errors/singapay-error.factory.js';
import { SINGAPAY_FAILURE_TYPES } from './errors/singapay-response-codes.js';
import { SingapayApiClient } from './biller/singapay-api.client.js';
import { createSingapayHttpService, SingapayTransport } from './http/singapay-transport.js';
import { SingapayService } from './service/singapay.service.js';
import { SingapayBillerApi } from './biller/singapay-biller.api.js';
import { SingapayInMemoryPaymentStore } from './payments/singapay-in-memory-payment.store.js';
import { SingapayPaymentStore } from './payments/singapay-payment-store.interface.js';
import { SingapayPaymentEngine } from './payments/singapay-payment.engine.js';
import { SingapayPaymentEvents } from './payments/singapay-payment.events.js';
import { SingapayPaymentInflight } from './payments/singapay-payment.inflight.js';
import { SingapayPaymentLedger } from './payments/singapay-payment.ledger.js';
import { SingapayPaymentConfirmations } from './payments/recovery/singapay-payment.confirmations.js';
import { SingapayPaymentResolver } from './payments/recovery/singapay-payment.resolver.js';
import { SingapayPaymentFollowUps } from './payments/recovery/singapay-payment.follow-ups.js';
import { SingapayRecoveryPolicy } from './payments/recovery/singapay-recovery.policy.js';
import { SingapayDayReconciliation } from './reconciliation/singapay-reconciliation.runner.js';
import { SINGAPAY_TELEMETRY_PROVIDER } from './telemetry/singapay-telemetry.provider.js';
import {
  SINGAPAY_CLOCK,
  SINGAPAY_HTTP_SERVICE,
  SINGAPAY_INSTANCE_NAME,
  SINGAPAY_LOGGER_CONTEXT,
  SINGAPAY_REDIS,
  SINGAPAY_RESOLVED_OPTIONS,
} from './singapay.constants.js';
import { SINGAPAY_MODULE_OPTIONS } from './singapay.module-definition.js';
import { singapayStoreScope } from './util/singapay-log.js';

// The clients the module opens itself (redisUrl, databaseUrl), whoever refuses the start-up.
const CONNECTIONS = [SingapayRedisConnection, SingapayPostgresConnection];

/**
 * Every provider of a registration, each built by Nest's DI from the ones below it: options,
 * transport, auth, the Biller API, the payment engine and its recovery, the service; and the
 * choice of the stores (`createPaymentStore`).
 */
export const SINGAPAY_PROVIDERS: Provider[] = [
  // Validating here makes a bad configuration stop the app at start-up, not at the first payment.
  {
    provide: SINGAPAY_RESOLVED_OPTIONS,
    useFactory: (options: SingapayOptionsInput) => resolveSingapayOptions(options, SINGAPAY_FAILURE_TYPES),
    inject: [SINGAPAY_MODULE_OPTIONS],
  },
  { provide: SINGAPAY_CLOCK, useValue: Date.now },
  { provide: SINGAPAY_HTTP_SERVICE, useFactory: createSingapayHttpService, inject: [SINGAPAY_RESOLVED_OPTIONS] },
  ...connection(SINGAPAY_REDIS, SingapayRedisConnection),
  {
    provide: SingapayTokenStore,
    useFactory: (options: SingapayResolvedOptions, now: () => number, redis: Redis | undefined) =>
      (options.tokenStore as SingapayTokenStore | undefined) ?? (redis ? new RedisTokenStore(redis) : new SingapayInMemoryTokenStore(now)),
    inject: [SINGAPAY_RESOLVED_OPTIONS, SINGAPAY_CLOCK, SINGAPAY_REDIS],
  },
  ...connection(SINGAPAY_POSTGRES, SingapayPostgresConnection),
  {
    provide: SingapayPaymentStore,
    useFactory: closingOnRefusal(createPaymentStore),
    inject: [...CONNECTIONS, SINGAPAY_RESOLVED_OPTIONS, SINGAPAY_INSTANCE_NAME, SINGAPAY_REDIS, SINGAPAY_POSTGRES, ModulesContainer],
  },
  // Spans and metrics through @opentelemetry/api when it is installed (loaded lazily), else a no-op.
  SINGAPAY_TELEMETRY_PROVIDER,
  SingapayErrorFactory,
  SingapayTransport,
  SingapayAuthService,
  SingapayTokenProvider,
  SingapayApiClient,
  SingapayBillerApi,
  SingapayPaymentEvents,
  SingapayPaymentInflight,
  SingapayPaymentLedger,
  SingapayRecoveryPolicy,
  SingapayPaymentResolver,
  SingapayPaymentFollowUps,
  SingapayPaymentConfirmations,
  SingapayPaymentEngine,
  SingapayDayReconciliation,
  SingapayService,
  SingapayCallbackReceiver,
];

/** A shared store's connection, and under `provide` the client it opens (undefined when its URL is not set). */
function connection(provide: symbol, type: new (...args: never[]) => { connect(): Promise<unknown> }): Provider[] {
  return [
    type,
    {
      provide,
      useFactory: closingOnRefusal((opened: { connect(): Promise<unknown> }) => opened.connect()),
      inject: [...CONNECTIONS, type],
    },
  ];
}

/**
 * `factory`, to be given the module's connections first (`inject: [...CONNECTIONS, …]`): a start-up it
 * refuses closes them all. Nest runs no shutdown hook after a failed start-up, and a client left open
 * would keep the process alive, reconnecting.
 */
function closingOnRefusal<A extends unknown[], T>(factory: (...args: A) => Promise<T>) {
  return async (redis: SingapayRedisConnection, postgres: SingapayPostgresConnection, ...args: A): Promise<T> => {
    try {
      return await factory(...args);
    } catch (error) {
      await Promise.all([redis.onApplicationShutdown(), postgres.onApplicationShutdown()]);
      throw error;
    }
  };
}

const MEMORY_IN_PRODUCTION = 'a restart loses every idempotency record kept in memory, and the same order can then be paid twice';

/** Where a registration keeps its payment records. */
export type SingapayPaymentStoreKind = 'memory' | 'given' | 'postgres' | 'redis';

/**
 * Where a registration keeps its payment records: 'memory' said by name wins over any URL; then the
 * store given as paymentStore, PostgreSQL (`databaseUrl`), Redis (`redisUrl`); else memory. The
 * module's start-up, `singapay doctor` and the `singapay` commands all ask here.
 */
export function singapayPaymentStoreKind(
  options: Pick<SingapayResolvedOptions, 'paymentStore' | 'databaseUrl' | 'redisUrl'>,
): SingapayPaymentStoreKind {
  if (options.paymentStore === 'memory') return 'memory';
  if (options.paymentStore) return 'given';
  if (options.databaseUrl) return 'postgres';
  return options.redisUrl ? 'redis' : 'memory';
}

/**
 * Why the module refuses to start with these options' payment records kept in memory: production,
 * no shared store, and 'memory' not asked for by name. Undefined when it starts.
 */
export function singapayMemoryStoreRefusal(
  options: Pick<SingapayResolvedOptions, 'environment' | 'paymentStore' | 'databaseUrl' | 'redisUrl'>,
): string | undefined {
  if (options.environment !== 'production' || options.paymentStore === 'memory') return undefined;
  if (singapayPaymentStoreKind(options) !== 'memory') return undefined;
  return (
    `environment is production but payment records would be kept in memory (${MEMORY_IN_PRODUCTION}): ` +
    `set databaseUrl (${SINGAPAY_ENV_VARS.databaseUrl}) to keep them in PostgreSQL, or redisUrl (${SINGAPAY_ENV_VARS.redisUrl}), or pass a paymentStore; ` +
    `to accept the risk, set paymentStore: 'memory' (${SINGAPAY_ENV_VARS.paymentStore}=memory)`
  );
}

// The registration (its store scope) each store without withNamespace() serves, per application (its
// modules container): another application, a restart or a start-up that failed, starts afresh.
const UNSCOPED_STORES = new WeakMap<object, WeakMap<SingapayPaymentStore, string>>();

/**
 * Takes a store that cannot keep registrations apart (no `withNamespace()`) for `scope` in `app`: false
 * when it serves another registration there already, whose records would mix with these (and be looked
 * up with these credentials).
 */
function claimUnscopedStore(app: object, store: SingapayPaymentStore, scope: string): boolean {
  let claims = UNSCOPED_STORES.get(app);
  if (!claims) UNSCOPED_STORES.set(app, (claims = new WeakMap()));
  const held = claims.get(store);
  if (held !== undefined && held !== scope) return false;
  claims.set(store, scope);
  return true;
}

/**
 * Picks the payment store (`singapayPaymentStoreKind`): the one given, else PostgreSQL, else Redis,
 * else memory, which production accepts only when asked for by name.
 * A shared store is scoped to this registration and credential (a hash, never the id itself).
 */
export async function createPaymentStore(
  options: SingapayResolvedOptions,
  name: string,
  redis: Redis | undefined,
  postgres: PostgresPaymentStore | undefined,
  app?: object,
): Promise<SingapayPaymentStore> {
  const production = options.environment === 'production';
  // Validation checked a given store's methods; its type is known here, where stores are chosen.
  const kind = singapayPaymentStoreKind(options);
  if (kind === 'memory') {
    const refusal = singapayMemoryStoreRefusal(options);
    if (refusal) throw new SingapayConfigurationError([refusal]);
    if (production) {
      new Logger(SINGAPAY_LOGGER_CONTEXT).warn(
        `paymentStore is 'memory' in production: ${MEMORY_IN_PRODUCTION}. Keep payment records in PostgreSQL (${SINGAPAY_ENV_VARS.databaseUrl}) or Redis (${SINGAPAY_ENV_VARS.redisUrl}).`,
      );
    }
    return new SingapayInMemoryPaymentStore();
  }
  const given = kind === 'given' ? (options.paymentStore as SingapayPaymentStore) : undefined;
  const shared: SingapayPaymentStore | undefined = given ?? postgres ?? (redis ? new RedisPaymentStore(redis) : undefined);
  // Each URL's connection opened before this factory ran, or refused the start-up.
  if (!shared) throw new Error(`the ${kind} payment store was not opened`);
  // A store the app built itself is checked too; the module's own was checked when it opened.
  if (shared instanceof PostgresPaymentStore && shared !== postgres) await assertSingapayPostgresReady(shared, production);
  if (production && shared instanceof SingapayInMemoryPaymentStore) {
    new Logger(SINGAPAY_LOGGER_CONTEXT).warn(`paymentStore is a SingapayInMemoryPaymentStore in production: ${MEMORY_IN_PRODUCTION}.`);
  }
  const scope = singapayStoreScope('payments', name, options);
  const scoped = (shared as SingapayPaymentStore).withNamespace?.(scope);
  if (!scoped && app && !claimUnscopedStore(app, shared, scope)) {
    throw new SingapayConfigurationError([
      'paymentStore is given to two registrations (or credentials) and has no withNamespace(): give each its own store, or implement withNamespace() to keep their records apart',
    ]);
  }
  const store = scoped ?? shared;
  if (store instanceof RedisPaymentStore) {
    const own = shared !== given;
    await checkSingapayRedisLedger(store, {
      production,
      verified: options.redisDurabilityVerified,
      where: own
        ? `the Redis that keeps payment records (redisUrl, ${SINGAPAY_ENV_VARS.redisUrl})`
        : 'the Redis of the RedisPaymentStore given as paymentStore',
    });
  }
  return store;
}
