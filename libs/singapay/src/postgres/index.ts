/**
 * Payment records in PostgreSQL: the store, its errors, and the migrations for teams that run
 * their own (the same as `singapay migrate` / `prune`). Apart from the main entry so that its
 * declarations name `pg` (an optional peer dependency) only for apps that use it.
 */
export { PostgresPaymentStore, type PostgresPaymentStoreOptions } from './postgres-payment.store.js';
export { SingapayPostgresError, SingapayPostgresSchemaError, type SingapayPostgresPoolConfig } from './postgres-connection.js';
export {
  checkSingapayPostgresSchema,
  migrateSingapayPostgres,
  pruneSingapayPostgres,
  singapayPostgresMigrationSql,
  SINGAPAY_POSTGRES_SCHEMA_VERSION,
  type SingapayPostgresMigration,
  type SingapayPostgresMigrateResult,
  type SingapayPostgresPruneOptions,
  type SingapayPostgresSchemaStatus,
} from './postgres-schema.js';
