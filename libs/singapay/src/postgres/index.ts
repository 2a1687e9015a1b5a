/**
 * Payment records in PostgreSQL: the store, its errors, and the migrations for teams that run
 * their own (the same as `singapay migrate` / `prune`). Apart from the main entry so that its
 * declarations name `pg` (an optional peer dependency) only for apps that use it.
 */
export { PostgresPaymentStore } from './postgres-payment.store.js';
export type { PostgresPaymentStoreOptions } from './postgres-payment.store.js';
export { SingapayPostgresError, SingapayPostgresSchemaError } from './postgres-connection.js';
export type { SingapayPostgresPoolConfig } from './postgres-connection.js';
export {
  checkSingapayPostgresSchema,
  migrateSingapayPostgres,
  pruneSingapayPostgres,
  singapayPostgresMigrationSql,
  SINGAPAY_POSTGRES_SCHEMA_VERSION,
} from './postgres-schema.js';
export type {
  SingapayPostgresMigration,
  SingapayPostgresMigrateResult,
  SingapayPostgresPruneOptions,
  SingapayPostgresSchemaStatus,
} from './postgres-schema.js';
