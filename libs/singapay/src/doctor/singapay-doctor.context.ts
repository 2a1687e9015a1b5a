import { type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SingapayAuthService } from '../auth/singapay-auth.service.js';
import type { SingapayModuleOptions } from '../singapay-module-options.interface.js';
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { SingapayException } from '../errors/singapay.exception.js';
import { SingapayModule } from '../singapay.module.js';

/* The module the doctor runs its checks with, and the advice on a failed inquiry. */

export const PASSWORD_PLACEHOLDER = 'doctor-password-not-set';

function doctorOptions(raw: SingapayModuleOptions, passwordMissing: boolean, timeoutMs: number): SingapayModuleOptions {
  // One attempt per call, no Redis or PostgreSQL, no sweep: the doctor reports, it does not work around.
  const { redisUrl: _redis, databaseUrl: _database, paymentStore: _store, ...rest } = raw;
  return {
    ...rest,
    // It pays nothing: in-memory records, which production accepts when asked for by name.
    paymentStore: 'memory',
    ...(passwordMissing ? { password: PASSWORD_PLACEHOLDER } : {}),
    timeoutMs,
    sweepIntervalMs: 0,
    retry: { maxAttempts: 1 },
  };
}

export async function createDoctorContext(
  raw: SingapayModuleOptions,
  passwordMissing: boolean,
  timeoutMs: number,
  logLevels: LogLevel[] | undefined,
): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(SingapayModule.forRoot(doctorOptions(raw, passwordMissing, timeoutMs)), {
    logger: logLevels && logLevels.length > 0 ? logLevels : false,
    abortOnError: false,
  });
}

/** After a 401: would the token be granted with client id and secret the other way round? */
export async function trySwapped(
  raw: SingapayModuleOptions,
  passwordMissing: boolean,
  timeoutMs: number,
  logLevels: LogLevel[] | undefined,
): Promise<boolean> {
  if (!raw.clientSecret || raw.clientSecret.includes(':') || raw.clientId === raw.clientSecret) return false;
  let app: INestApplicationContext | undefined;
  try {
    app = await createDoctorContext(
      { ...raw, clientId: raw.clientSecret, clientSecret: raw.clientId },
      passwordMissing,
      timeoutMs,
      logLevels,
    );
    await app.get(SingapayAuthService).requestAccessToken({ timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    await app?.close().catch(() => undefined);
  }
}

export function businessFixes(error: unknown): string[] {
  if (!(error instanceof SingapayException)) return ['check the --inquiry value: command:productCode:customerId[:period]'];
  switch (error.responseCode) {
    case '08':
      return ['Singapay denied permission: the account may not be activated for this product or environment; ask Singapay'];
    case '16':
      return ['Singapay refused the token it had just granted: check the system clock, then ask Singapay'];
    case '04':
    case '12':
    case '06':
      return ["check the --inquiry value: command, product code and customer id as in Singapay's product list"];
    default:
      return error.responseType === 'malformed_response'
        ? [`Singapay's answer could not be read: check ${SINGAPAY_ENV_VARS.baseUrl} points at Singapay (or leave it unset)`]
        : ['try again; if it persists, give Singapay the time of this run'];
  }
}
