import { type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SingapayAuthService } from '../auth/singapay-auth.service.js';
import type { SingapayModuleOptions } from '../singapay-module-options.interface.js';
import { SingapayConfigurationError, resolveSingapayOptions, type SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SINGAPAY_CREDENTIALS, SINGAPAY_ENV_VARS, readSingapayOptionsFromEnv } from '../config/singapay.config.js';
import type { SingapayCommand } from '../contract/singapay-api.contract.js';
import { SingapayException } from '../errors/singapay.exception.js';
import { SingapayService } from '../service/singapay.service.js';
import { SingapayModule } from '../singapay.module.js';
import { maskCustomerId } from '../util/singapay-log.js';
import { redactSecrets } from '../util/singapay-secret.js';
import {
  businessFixes,
  configProblemFix,
  describeError,
  diagnoseTokenFailure,
  type SingapayDoctorStep,
  type SingapayDoctorStepName,
} from './singapay-doctor.advice.js';
import { loadSingapayDoctorEnv, type SingapayDoctorEnv } from './singapay-doctor.env.js';
import { checkSingapayHost } from './singapay-doctor.host.js';
import { checkSingapayDoctorLedger } from './singapay-doctor.ledger.js';

export interface SingapayDoctorReport {
  ok: boolean;
  steps: SingapayDoctorStep[];
}

export interface SingapayDoctorInquiry {
  command: SingapayCommand;
  productCode: string;
  customerId: string;
  period?: number;
}

export interface SingapayDoctorOptions {
  /** Variables to read; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where `.env` is looked for. @default process.cwd() */
  cwd?: string;
  /** Another env file, or `false` for none. @default '.env' in `cwd`, if it exists */
  envFile?: string | false;
  /** Allows running against production (`SINGAPAY_ENV=production`). */
  production?: boolean;
  /** One harmless inquiry after the balance (no money moves). */
  inquiry?: SingapayDoctorInquiry;
  /** Timeout of each network step, in ms. @default min(SINGAPAY_TIMEOUT_MS, 15000) */
  timeoutMs?: number;
  /** Where lines go; each ends without a newline. @default nowhere */
  write?: (line: string) => void;
  /** Nest log levels shown while the module runs. @default none */
  logLevels?: LogLevel[];
}

const V = SINGAPAY_ENV_VARS;
const MARK = { pass: '✓', fail: '✗', skip: '-' } as const;
const TITLE: Record<SingapayDoctorStepName, string> = {
  config: 'configuration',
  ledger: 'payment ledger',
  host: 'host reachable',
  token: 'access token',
  balance: 'balance',
  inquiry: 'inquiry',
};
const PASSWORD_PLACEHOLDER = 'doctor-password-not-set';
const SAME_VALUES =
  'two of the credentials hold the same value: each of API key, client id, client secret and password is a different value from Singapay';
const rupiah = (n: number): string => `Rp ${n.toLocaleString('id-ID')}`;

/**
 * Checks a Singapay setup step by step, with the module's own pieces: the
 * configuration as the app reads it, the host, a token, the balance and,
 * optionally, one inquiry. Each failure comes with the fix for it. Nothing
 * printed holds a secret; production is refused unless `production` is set.
 * @publicApi
 */
export async function runSingapayDoctor(options: SingapayDoctorOptions = {}): Promise<SingapayDoctorReport> {
  const steps: SingapayDoctorStep[] = [];
  const secrets: string[] = [];
  const write = (line: string) => options.write?.(redactSecrets(line, secrets));
  const record = (step: SingapayDoctorStep) => {
    steps.push(step);
    write(`${MARK[step.status]} ${steps.length}. ${TITLE[step.name]}: ${step.summary}`);
    for (const fix of step.fixes) write(`     fix: ${fix}`);
  };
  const finish = (): SingapayDoctorReport => {
    const failed = steps.filter((s) => s.status === 'fail').length;
    const ran = steps.filter((s) => s.status !== 'skip').length;
    write('');
    write(
      failed === 0
        ? `PASS: ${ran} of ${ran} checks passed.`
        : `FAIL: ${failed} of ${ran} checks failed; fix the first one and run the doctor again.`,
    );
    return { ok: failed === 0, steps };
  };
  const later: SingapayDoctorStepName[] = ['host', 'token', 'balance', ...(options.inquiry ? (['inquiry'] as const) : [])];
  /** A failed step the later ones need: they are skipped, and the report ends. */
  const stop = (step: SingapayDoctorStep, why: string): SingapayDoctorReport => {
    record(step);
    for (const name of later.filter((n) => !steps.some((s) => s.name === n))) {
      record({ name, status: 'skip', summary: `skipped (${why})`, fixes: [] });
    }
    return finish();
  };

  /** A configuration that cannot be read stops the doctor before the network. */
  const invalid = (error: unknown, fixes: string[]) =>
    stop({ name: 'config', status: 'fail', summary: describeError(error), fixes, failure: 'config_invalid' }, 'configuration incomplete');

  // 1. Configuration, read as the app reads it.
  write('Singapay doctor');
  let loaded: SingapayDoctorEnv;
  try {
    loaded = loadSingapayDoctorEnv({ env: options.env, cwd: options.cwd, envFile: options.envFile });
  } catch (error) {
    return invalid(error, ['give an existing file to --env-file']);
  }
  write(`  reading SINGAPAY_* from the environment${loaded.envFile ? ` and ${loaded.envFile}` : ' (no .env file found)'}`);
  const raw: SingapayModuleOptions = readSingapayOptionsFromEnv(loaded.env);
  secrets.push(raw.apiKey, raw.clientSecret, raw.password, raw.redisUrl ?? '', raw.databaseUrl ?? '');

  const passwordProblem = `password (${V.password}) is missing`;
  let resolved: SingapayResolvedOptions;
  let passwordMissing = false;
  try {
    resolved = resolveSingapayOptions(raw);
  } catch (error) {
    if (!(error instanceof SingapayConfigurationError)) throw error;
    const fixes = error.problems.map((p) => configProblemFix(p) ?? p);
    if (!error.problems.every((p) => p.startsWith(passwordProblem))) return invalid(error, fixes);
    // Token, balance and inquiry do not use the password: check them anyway.
    passwordMissing = true;
    resolved = resolveSingapayOptions({ ...raw, password: PASSWORD_PLACEHOLDER });
  }

  const where = `${resolved.environment} at ${resolved.baseUrl} (API ${resolved.apiVersion})`;
  if (resolved.environment === 'production' && !options.production) {
    const fixes = [
      'the doctor would request a token and read the balance with your live credentials (no money moves); run it again with --production if that is what you want',
    ];
    const summary = `${V.environment} is production: refused without --production`;
    return stop({ name: 'config', status: 'fail', summary, fixes, failure: 'production_refused' }, 'production not confirmed');
  }

  const set = SINGAPAY_CREDENTIALS.map((k) => V[k]).filter((v) => loaded.sources[v]);
  const fromFile = set.filter((v) => loaded.sources[v] === '.env');
  const credentials = SINGAPAY_CREDENTIALS.map((k) => raw[k]).filter(Boolean);
  const configFixes = [
    ...(passwordMissing ? [configProblemFix(passwordProblem)!] : []),
    ...(new Set(credentials).size < credentials.length ? [SAME_VALUES] : []),
  ];
  const fromEnvFile = fromFile.length === set.length ? ' (from .env)' : fromFile.length ? ` (${fromFile.join(', ')} from .env)` : '';
  record({
    name: 'config',
    status: configFixes.length ? 'fail' : 'pass',
    summary: passwordMissing
      ? `${V.password} is missing; the rest is complete: ${where}`
      : `complete: ${where}; ${set.join(', ')} set${fromEnvFile}`,
    fixes: configFixes,
    ...(passwordMissing ? { failure: 'password_missing' as const } : {}),
  });

  const timeoutMs = options.timeoutMs ?? Math.min(resolved.timeoutMs, 15_000);

  // Where payment records are kept, and whether the module would start on it: memory in production, a
  // PostgreSQL schema, and whether a crash or a full memory can lose them.
  const ledger = await checkSingapayDoctorLedger(raw, resolved, timeoutMs);
  if (ledger) record({ name: 'ledger', ...ledger });

  // 2. The host: DNS and a connection, before any credential is sent.
  const host = await checkSingapayHost(resolved.baseUrl, timeoutMs);
  if (host.status === 'fail') return stop({ name: 'host', ...host }, 'host unreachable');
  record({ name: 'host', ...host });

  // 3-5 through the module itself, as the app would call them. One attempt per call, no Redis or PostgreSQL, no
  // sweep: the doctor reports, it does not work around. It pays nothing: in-memory records, which production
  // accepts when asked for by name.
  const openApp = (): Promise<INestApplicationContext> => {
    const { redisUrl: _redis, databaseUrl: _database, ...rest } = raw;
    const module = SingapayModule.forRoot({
      ...rest,
      paymentStore: 'memory',
      ...(passwordMissing ? { password: PASSWORD_PLACEHOLDER } : {}),
      timeoutMs,
      sweepIntervalMs: 0,
      retry: { maxAttempts: 1 },
    });
    const logger = options.logLevels?.length ? options.logLevels : false;
    return NestFactory.createApplicationContext(module, { logger, abortOnError: false });
  };
  let app: INestApplicationContext | undefined;
  try {
    app = await openApp();
    try {
      const token = await app.get(SingapayAuthService).requestAccessToken({ timeoutMs });
      secrets.push(token.accessToken);
      record({ name: 'token', status: 'pass', summary: `granted (${token.tokenType}, lifetime ${token.expiresIn} s)`, fixes: [] });
    } catch (error) {
      return stop({ name: 'token', ...diagnoseTokenFailure(error, resolved.environment) }, 'no token');
    }

    const service = app.get(SingapayService);
    try {
      const balance = await service.checkBalance({ timeoutMs });
      record({
        name: 'balance',
        status: 'pass',
        summary: `readable: ${rupiah(balance.balance)} (${balance.currency})`,
        fixes: balance.balance <= 0 ? ['(note) the deposit is empty: payments are refused with code 17 until you top it up'] : [],
      });
    } catch (error) {
      return stop({ name: 'balance', status: 'fail', summary: describeError(error), fixes: businessFixes(error) }, 'balance unreadable');
    }

    if (options.inquiry) {
      const q = options.inquiry;
      const what = `${q.command} ${q.productCode} customer ${maskCustomerId(q.customerId)}`;
      try {
        const inquiry = await service.inquiry({ ...q }, { timeoutMs });
        record({
          name: 'inquiry',
          status: 'pass',
          summary: `${what}: answered, price ${rupiah(inquiry.price)} (no money moved)`,
          fixes: [],
        });
      } catch (error) {
        // The API answered with a business outcome about this customer: the integration works.
        const answered = error instanceof SingapayException && (error.responseCode === '20' || error.responseCode === '21');
        record({
          name: 'inquiry',
          status: answered ? 'pass' : 'fail',
          summary: `${what}: ${describeError(error)}`,
          fixes: answered
            ? ['(note) Singapay answered about this customer, so the integration works; try another customer id to see a bill']
            : businessFixes(error),
        });
      }
    }
  } catch (error) {
    record({ name: steps.some((s) => s.name === 'token') ? 'balance' : 'token', status: 'fail', summary: describeError(error), fixes: [] });
  } finally {
    await app?.close().catch(() => undefined);
  }
  return finish();
}
