import type { SingapayTokenStore } from './auth/singapay-token-store.interface.js';
import type { SingapayClientOptions } from './config/singapay-module-options.interface.js';
import type { SingapayPaymentStore } from './payments/singapay-payment-store.interface.js';

/**
 * Options of `SingapayModule.forRoot()` / `forRootAsync()`. They are checked
 * when the module starts: a missing or malformed field stops the app with a
 * message naming the field (never its value).
 * @publicApi
 */
export interface SingapayModuleOptions extends SingapayClientOptions {
  /**
   * Where access tokens are kept. Plug a shared store in to share one token across replicas.
   * @default an in-memory store per module registration
   */
  tokenStore?: SingapayTokenStore;
  /**
   * Where payment records (one per idempotency key) are kept: a `SingapayPaymentStore`
   * (`PostgresPaymentStore`, `RedisPaymentStore`, your own) or `'memory'`, this
   * process's memory, said explicitly. A restart loses in-memory records, and the same
   * order can then be paid twice: in production the module refuses to start with the
   * in-memory store unless it is given as `'memory'` (env `SINGAPAY_PAYMENT_STORE=memory`).
   * @default PostgreSQL when `databaseUrl` is set, else Redis when `redisUrl` is set, else in memory
   * (records kept 7 days; refused in production, see above)
   */
  paymentStore?: SingapayPaymentStore | 'memory';
}
