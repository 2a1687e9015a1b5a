import { checkSingapaySimulatorFaultSeed } from './simulator-faults.js';

/** The four secrets Singapay issues per environment; the simulator's are public test values. */
export interface SingapaySimulatorCredentials {
  /** Sent as `X-PARTNER-ID` on every request. */
  apiKey: string;
  /** Username of the Basic auth of the token request. */
  clientId: string;
  /** Password of the Basic auth of the token request. */
  clientSecret: string;
  /** `data.password` of every payment. */
  password: string;
}

export const SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS: Readonly<SingapaySimulatorCredentials> = Object.freeze({
  apiKey: 'sim-api-key',
  clientId: 'sim-client-id',
  clientSecret: 'sim-client-secret',
  password: 'sim-password',
});

export interface SingapaySimulatorOptions {
  /**
   * TCP port to listen on; 0 picks a free one (read it back from `port`).
   * @default 0
   */
  port?: number;
  /**
   * Interface to bind. Keep the loopback one: the simulator has no security worth exposing.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Credentials the simulator accepts; missing fields keep their defaults.
   * @default { apiKey: 'sim-api-key', clientId: 'sim-client-id', clientSecret: 'sim-client-secret', password: 'sim-password' }
   */
  credentials?: Partial<SingapaySimulatorCredentials>;
  /**
   * Lifetime of an access token, reported as `expires_in` (a string, as Singapay sends it).
   * @default 3600
   */
  tokenLifetimeSeconds?: number;
  /**
   * Delay before a pending purchase settles (and before a PLN token is issued,
   * and between the failure and the refund of a refunding test customer).
   * `settleAll()` and `advance()` skip the wait.
   * @default 2000
   */
  settleDelayMs?: number;
  /**
   * How long an inquiry's `reference_number` stays payable, on the simulator's clock.
   * @default 900000 (15 minutes)
   */
  inquiryTtlMs?: number;
  /**
   * Deposit balance in whole rupiah at start and after `reset()`.
   * @default 10000000
   */
  initialBalance?: number;
  /**
   * Where callbacks are POSTed when a transaction ends in success or refund.
   * @default undefined (no callbacks)
   */
  callbackUrl?: string;
  /**
   * Client IPs allowed to call; any other gets HTTP 403 "Your IP address (x) is not registered".
   * @default undefined (every client allowed)
   */
  allowedIps?: readonly string[];
  /**
   * Sandbox rule: a customer id may be used once per (WIB) day until `reset-customer-id`.
   * @default false
   */
  oncePerDay?: boolean;
  /**
   * Attempts per callback before giving up (the first one included).
   * @default 4
   */
  callbackAttempts?: number;
  /**
   * Pause before the first callback retry; it doubles on each further retry.
   * @default 100
   */
  callbackBackoffMs?: number;
  /**
   * The clock, in epoch milliseconds. `advance(ms)` moves the simulator's time on top of it.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Seed of the generator that decides `probability` fault rules, an integer
   * 0..4294967295: the same seed and the same requests fault the same way.
   * `reset()` rewinds the generator to it. Read the seed in use from `sim.faults.seed`.
   * @default a random seed per start
   */
  faultSeed?: number;
}

export interface SimulatorResolvedOptions {
  port: number;
  host: string;
  credentials: SingapaySimulatorCredentials;
  tokenLifetimeSeconds: number;
  settleDelayMs: number;
  inquiryTtlMs: number;
  initialBalance: number;
  callbackUrl: string | undefined;
  allowedIps: readonly string[] | undefined;
  oncePerDay: boolean;
  callbackAttempts: number;
  callbackBackoffMs: number;
  now: () => number;
  faultSeed: number | undefined;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved < 0) {
    throw new RangeError(`SingapaySimulator option ${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return resolved;
}

export function resolveSimulatorOptions(options: SingapaySimulatorOptions = {}): SimulatorResolvedOptions {
  return {
    port: nonNegative('port', options.port, 0),
    host: options.host ?? '127.0.0.1',
    credentials: { ...SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS, ...options.credentials },
    tokenLifetimeSeconds: nonNegative('tokenLifetimeSeconds', options.tokenLifetimeSeconds, 3600),
    settleDelayMs: nonNegative('settleDelayMs', options.settleDelayMs, 2000),
    inquiryTtlMs: nonNegative('inquiryTtlMs', options.inquiryTtlMs, 15 * 60 * 1000),
    initialBalance: nonNegative('initialBalance', options.initialBalance, 10_000_000),
    callbackUrl: options.callbackUrl,
    allowedIps: options.allowedIps,
    oncePerDay: options.oncePerDay ?? false,
    callbackAttempts: Math.max(1, nonNegative('callbackAttempts', options.callbackAttempts, 4)),
    callbackBackoffMs: nonNegative('callbackBackoffMs', options.callbackBackoffMs, 100),
    now: options.now ?? Date.now,
    faultSeed: checkSingapaySimulatorFaultSeed(options.faultSeed),
  };
}
