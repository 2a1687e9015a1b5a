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

const text = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

// An unparsable number stays NaN so that validation names the variable.
const integer = (env: NodeJS.ProcessEnv, name: string): number | undefined => {
  const v = text(env, name);
  return v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : Number.NaN;
};

// true/false (also 1/0, yes/no); anything else is kept as text so that validation names the variable.
const flag = (env: NodeJS.ProcessEnv, name: string): boolean | undefined => {
  const v = text(env, name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return v as unknown as boolean;
};

/** Reads `SINGAPAY_*` variables into module options; validation happens when the module starts. */
export function readSingapayOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SingapayEnvOptions {
  const v = SINGAPAY_ENV_VARS;
  const options: SingapayEnvOptions = {
    environment: text(env, v.environment) as SingapayClientOptions['environment'],
    baseUrl: text(env, v.baseUrl),
    apiKey: text(env, v.apiKey) ?? '',
    clientId: text(env, v.clientId) ?? '',
    clientSecret: text(env, v.clientSecret) ?? '',
    password: text(env, v.password) ?? '',
    apiVersion: text(env, v.apiVersion) as SingapayClientOptions['apiVersion'],
    timeoutMs: integer(env, v.timeoutMs),
    tokenRefreshBufferSeconds: integer(env, v.tokenRefreshBufferSeconds),
    debugLogs: flag(env, v.debugLogs),
    redisUrl: text(env, v.redisUrl),
    redisDurabilityVerified: flag(env, v.redisDurabilityVerified),
    databaseUrl: text(env, v.databaseUrl),
    // Only 'memory' can be said in a variable; validation names anything else.
    paymentStore: text(env, v.paymentStore) as 'memory' | undefined,
    sweepIntervalMs: integer(env, v.sweepIntervalMs),
  };
  for (const key of Object.keys(options) as (keyof SingapayEnvOptions)[]) {
    if (options[key] === undefined) delete options[key];
  }
  return options;
}

/**
 * `@nestjs/config` namespace `singapay`, read from `SINGAPAY_*` variables.
 * `SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true })`.
 * @publicApi
 */
export const singapayConfig = registerAs('singapay', (): SingapayEnvOptions => readSingapayOptionsFromEnv());
