import { registerAs } from '@nestjs/config';
import type { SingapayClientOptions } from './singapay-module-options.interface.js';

/** The environment variable behind each option, also named in configuration errors. */
export const SINGAPAY_ENV_VARS = {
  environment: 'SINGAPAY_ENV',
  baseUrl: 'SINGAPAY_BASE_URL',
  apiKey: 'SINGAPAY_API_KEY',
  clientId: 'SINGAPAY_CLIENT_ID',
  clientSecret: 'SINGAPAY_CLIENT_SECRET',
  password: 'SINGAPAY_PASSWORD',
  apiVersion: 'SINGAPAY_API_VERSION',
  timeoutMs: 'SINGAPAY_TIMEOUT_MS',
  tokenRefreshBufferSeconds: 'SINGAPAY_TOKEN_REFRESH_BUFFER_SECONDS',
  debugLogs: 'SINGAPAY_DEBUG_LOGS',
  redisUrl: 'SINGAPAY_REDIS_URL',
  redisDurabilityVerified: 'SINGAPAY_REDIS_DURABILITY_VERIFIED',
  databaseUrl: 'SINGAPAY_DATABASE_URL',
  paymentStore: 'SINGAPAY_PAYMENT_STORE',
  sweepIntervalMs: 'SINGAPAY_SWEEP_INTERVAL_MS',
} as const satisfies Partial<Record<keyof SingapayClientOptions | 'paymentStore', string>>;

/** The options `SINGAPAY_*` variables can say: every one but a store object (`'memory'` only). */
export type SingapayEnvOptions = SingapayClientOptions & { paymentStore?: 'memory' };

// An unparsable number stays NaN, and a flag other than true/false (also 1/0, yes/no) stays text,
// so that validation names the variable.
const integer = (text: string): number => (/^\d+$/.test(text) ? Number(text) : Number.NaN);
const flag = (text: string): boolean | string => {
  const v = text.toLowerCase();
  return v === 'true' || v === '1' || v === 'yes' ? true : v === 'false' || v === '0' || v === 'no' ? false : v;
};

// How a variable's text becomes its option's value; the text itself for the options not named here
// (paymentStore included: only 'memory' can be said in a variable, and validation names anything else).
const PARSERS: Partial<Record<string, (text: string) => unknown>> = {
  timeoutMs: integer,
  tokenRefreshBufferSeconds: integer,
  debugLogs: flag,
  redisDurabilityVerified: flag,
  sweepIntervalMs: integer,
};

/** The options that must be given; read from their variables as '' when unset, so that validation names each missing one. */
export const SINGAPAY_CREDENTIALS = ['apiKey', 'clientId', 'clientSecret', 'password'] as const;

/** Reads `SINGAPAY_*` variables into module options; validation happens when the module starts. */
export function readSingapayOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SingapayEnvOptions {
  const options: Record<string, unknown> = {};
  for (const [option, name] of Object.entries(SINGAPAY_ENV_VARS)) {
    // Surrounding spaces are dropped, and a variable left empty is unset.
    const text = env[name]?.trim();
    if (text) options[option] = PARSERS[option]?.(text) ?? text;
    else if ((SINGAPAY_CREDENTIALS as readonly string[]).includes(option)) options[option] = '';
  }
  return options as unknown as SingapayEnvOptions;
}

/**
 * `@nestjs/config` namespace `singapay`, read from `SINGAPAY_*` variables.
 * `SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true })`.
 * @publicApi
 */
export const singapayConfig = registerAs('singapay', (): SingapayEnvOptions => readSingapayOptionsFromEnv());
