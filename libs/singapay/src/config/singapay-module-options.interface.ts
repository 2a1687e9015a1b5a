import type { SingapayApiVersion, SingapayEnvironment } from '../contract/singapay-api.contract.js';
import type { SingapayTokenStore } from '../auth/singapay-token-store.interface.js';

/**
 * Options of `SingapayModule.forRoot()` / `forRootAsync()`. They are checked
 * when the module starts: a missing or malformed field stops the app with a
 * message naming the field (never its value).
 * @publicApi
 */
export interface SingapayModuleOptions {
  /**
   * Which Singapay environment to call. `development` (Singapay's word) is read as `sandbox`.
   * Production refuses sandbox-only calls such as `resetCustomerIds()`.
   * @default 'sandbox'
   */
  environment?: SingapayEnvironment | 'development';
  /**
   * Overrides the environment's host, e.g. the simulator's URL in tests.
   * @default the environment's Singapay host
   */
  baseUrl?: string;
  /** API key issued by Singapay, sent as `X-PARTNER-ID` on every request. Required. */
  apiKey: string;
  /** Client ID: user name of the Basic auth on the token request. Required. */
  clientId: string;
  /** Client secret: password of the Basic auth on the token request; sent nowhere else. Required. */
  clientSecret: string;
  /** Payment password, added to payment bodies only. Required. */
  password: string;
  /**
   * `v2` uses `/api/v2/{prepaid,postpaid}/...`; `v1` the legacy paths (no game top-up or vouchers).
   * @default 'v2'
   */
  apiVersion?: SingapayApiVersion;
  /**
   * Timeout of one HTTP request to Singapay, in milliseconds.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Renew the access token this many seconds before it expires (at most a tenth of
   * its lifetime, so short-lived tokens are renewed in time too).
   * @default 60
   */
  tokenRefreshBufferSeconds?: number;
  /**
   * Where access tokens are kept. Plug a shared store in to share one token across replicas.
   * @default an in-memory store per module registration
   */
  tokenStore?: SingapayTokenStore;
  /**
   * HTTP status of the exception raised for a response code, overriding the
   * built-in table, e.g. `{ '17': 402 }`. Keys are two-digit codes or `unrecognised`.
   * @default {} (the table in the README)
   */
  httpStatusOverrides?: Record<string, number>;
}
