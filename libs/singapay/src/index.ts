export * from './contract/singapay-api.contract.js';
export * from './errors/singapay-response-codes.js';
export * from './errors/singapay.exception.js';
export type { SingapayModuleOptions } from './config/singapay-module-options.interface.js';
export { SingapayConfigurationError, resolveSingapayOptions, SINGAPAY_DEFAULTS } from './config/singapay-options.validation.js';
export type { SingapayResolvedOptions } from './config/singapay-options.validation.js';
export { singapayConfig, readSingapayOptionsFromEnv, SINGAPAY_ENV_VARS } from './config/singapay.config.js';
export { SingapayTokenStore } from './auth/singapay-token-store.interface.js';
export type { SingapayStoredToken } from './auth/singapay-token-store.interface.js';
export { SingapayInMemoryTokenStore } from './auth/singapay-in-memory-token.store.js';
export { SingapayAuthService, parseExpiresIn } from './auth/singapay-auth.service.js';
export type { SingapayAccessToken } from './auth/singapay-auth.service.js';
export { SingapayTokenProvider } from './auth/singapay-token.provider.js';
export type { SingapayCallOptions } from './http/singapay-transport.js';
export { SingapayService } from './service/singapay.service.js';
export { SingapayTransactionsService } from './service/singapay-transactions.service.js';
export { SingapayPaymentStore } from './payments/singapay-payment-store.interface.js';
export { SingapayInMemoryPaymentStore } from './payments/singapay-in-memory-payment.store.js';
export { SingapayPaymentProcessor, hashPaymentRequest } from './payments/singapay-payment.processor.js';
export * from './payments/singapay-payment.exception.js';
export * from './payments/singapay-payment-record.js';
export type * from './payments/singapay-payment.types.js';
export type { SingapayRetryOptions } from './http/singapay-retry.policy.js';
export { SINGAPAY_RETRY_DEFAULTS } from './http/singapay-retry.policy.js';
export type { SingapayInquiryInput, SingapayPayInput, SingapayListTransactionsInput } from './service/singapay.service.js';
export * from './service/dto/singapay-requests.dto.js';
export type * from './service/singapay.types.js';
export { SingapaySecret } from './util/singapay-secret.js';
export { SingapayModule } from './singapay.module.js';
export { SINGAPAY_MODULE_OPTIONS } from './singapay.module-definition.js';
export type { SingapayModuleExtras, SingapayOptionsFactory } from './singapay.module-definition.js';
export { SINGAPAY_CLOCK, SINGAPAY_HTTP_SERVICE, SINGAPAY_RESOLVED_OPTIONS } from './singapay.constants.js';
export type { SingapayClock } from './singapay.constants.js';
export { SingapayCallbackReceiver, SINGAPAY_CALLBACK_LIMITS } from './callbacks/singapay-callback.receiver.js';
export type { SingapayCallbackAck } from './callbacks/singapay-callback.receiver.js';
export { getSingapayToken, InjectSingapay } from './singapay.tokens.js';
export { RedisTokenStore } from './redis/redis-token.store.js';
export type { RedisStoreOptions } from './redis/redis-token.store.js';
export { RedisPaymentStore } from './redis/redis-payment.store.js';
export type { RedisPaymentStoreOptions } from './redis/redis-payment.store.js';
export { SINGAPAY_INSTANCE_NAME, SINGAPAY_DEFAULT_NAME } from './singapay.constants.js';
export { PostgresPaymentStore } from './postgres/postgres-payment.store.js';
export type { PostgresPaymentStoreOptions } from './postgres/postgres-payment.store.js';
export { SingapayPostgresError, SingapayPostgresSchemaError } from './postgres/postgres-connection.js';
export type { SingapayPostgresPoolConfig } from './postgres/postgres-connection.js';
export {
  checkSingapayPostgresSchema,
  migrateSingapayPostgres,
  pruneSingapayPostgres,
  singapayPostgresMigrationSql,
  SINGAPAY_POSTGRES_MIGRATIONS,
  SINGAPAY_POSTGRES_SCHEMA_VERSION,
  SINGAPAY_POSTGRES_TABLE,
  SINGAPAY_POSTGRES_MIGRATIONS_TABLE,
  SINGAPAY_POSTGRES_PRUNE_MIN_AGE_MS,
} from './postgres/postgres-schema.js';
export type {
  SingapayPostgresMigration,
  SingapayPostgresMigrateResult,
  SingapayPostgresPruneOptions,
  SingapayPostgresSchemaStatus,
} from './postgres/postgres-schema.js';
