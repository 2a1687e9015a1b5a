import { type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { SingapayAuthService } from '../auth/singapay-auth.service.js';
import type { SingapayModuleOptions } from '../singapay-module-options.interface.js';
import { SingapayConfigurationError, resolveSingapayOptions, type SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SINGAPAY_ENV_VARS, readSingapayOptionsFromEnv } from '../config/singapay.config.js';
import type { SingapayCommand } from '../contract/singapay-api.contract.js';
import { SingapayException } from '../errors/singapay.exception.js';
import { SingapayService } from '../service/singapay.service.js';
import { maskCustomerId } from '../util/singapay-log.js';
import { redactSecrets } from '../util/singapay-secret.js';
import { configProblemFix, describeError, diagnoseTokenFailure } from './singapay-doctor.advice.js';
import type { SingapayDiagnosedCause } from '../errors/singapay-failure.diagnosis.js';
import { loadSingapayDoctorEnv } from './singapay-doctor.env.js';
import { checkSingapayHost } from './singapay-doctor.host.js';
import { checkSingapayDoctorLedger } from './singapay-doctor.ledger.js';
import { businessFixes, createDoctorContext, PASSWORD_PLACEHOLDER, trySwapped } from './singapay-doctor.context.js';

export type SingapayDoctorStepName = 'config' | 'ledger' | 'host' | 'token' | 'balance' | 'inquiry';

export interface SingapayDoctorStep {
  name: SingapayDoctorStepName;
  status: 'pass' | 'fail' | 'skip';
  /** One line, never a secret. */
  summary: string;
  /** What to do about it. */
  fixes: string[];
  /** What a failed step comes down to: for the token, the cause of the module's diagnosis (what Singapay refused). */
  failure?: SingapayDiagnosedCause | 'production_refused' | 'config_invalid' | 'password_missing';
}

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

const MARK = { pass: '✓', fail: '✗', skip: '-' } as const;
const TITLE: Record<SingapayDoctorStepName, string> = {
  config: 'configuration',
  ledger: 'payment ledger',
  host: 'host reachable',
  token: 'access token',
  balance: 'balance',
  inquiry: 'inquiry',
};
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
  const sink = options.write ?? (() => undefined);
  const write = (line: string) => sink(redactSecrets(line, secrets));
  const record = (step: SingapayDoctorStep) => {
    steps.push(step);
    write(`${MARK[step.status]} ${steps.length}. ${TITLE[step.name]}: ${step.summary}`);
    for (const fix of step.fixes) write(`     fix: ${fix}`);
  };
  const skipRest = (from: SingapayDoctorStepName[], why: string) => {
    for (const name of from) record({ name, status: 'skip', summary: `skipped (${why})`, fixes: [] });
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

  // 1. Configuration, read as the app reads it.
  write('Singapay doctor');
  let loaded;
  try {
    loaded = loadSingapayDoctorEnv({ env: options.env, cwd: options.cwd, envFile: options.envFile });
  } catch (error) {
    record({
      name: 'config',
      status: 'fail',
      summary: describeError(error),
      fixes: ['give an existing file to --env-file'],
      failure: 'config_invalid',
    });
    skipRest(later, 'configuration incomplete');
    return finish();
  }
  write(`  reading SINGAPAY_* from the environment${loaded.envFile ? ` and ${loaded.envFile}` : ' (no .env file found)'}`);
  const raw: SingapayModuleOptions = readSingapayOptionsFromEnv(loaded.env);
  secrets.push(raw.apiKey, raw.clientSecret, raw.password);
  if (raw.redisUrl) secrets.push(raw.redisUrl);
  if (raw.databaseUrl) secrets.push(raw.databaseUrl);

  let resolved: SingapayResolvedOptions;
  let passwordMissing = false;
  try {
    resolved = resolveSingapayOptions(raw);
  } catch (error) {
    if (!(error instanceof SingapayConfigurationError)) throw error;
    const onlyPassword = error.problems.every((p) => p.startsWith(`password (${SINGAPAY_ENV_VARS.password}) is missing`));
    const fixes = error.problems.map((p) => configProblemFix(p) ?? p);
    if (!onlyPassword) {
      record({ name: 'config', status: 'fail', summary: error.problems.join('; '), fixes, failure: 'config_invalid' });
      skipRest(later, 'configuration incomplete');
      return finish();
    }
    // Token, balance and inquiry do not use the password: check them anyway.
    passwordMissing = true;
    resolved = resolveSingapayOptions({ ...raw, password: PASSWORD_PLACEHOLDER });
  }

  const where = `${resolved.environment} at ${resolved.baseUrl} (API ${resolved.apiVersion})`;
  if (resolved.environment === 'production' && !options.production) {
    record({
      name: 'config',
      status: 'fail',
      summary: `${SINGAPAY_ENV_VARS.environment} is production: refused without --production`,
      fixes: [
        'the doctor would request a token and read the balance with your live credentials (no money moves); run it again with --production if that is what you want',
      ],
      failure: 'production_refused',
    });
    skipRest(later, 'production not confirmed');
    return finish();
  }

  const set = (['apiKey', 'clientId', 'clientSecret', 'password'] as const)
    .map((k) => SINGAPAY_ENV_VARS[k])
    .filter((v) => loaded.sources[v]);
  const fromFile = set.filter((v) => loaded.sources[v] === '.env');
  const configFixes: string[] = [];
  const credentials = [raw.apiKey, raw.clientId, raw.clientSecret, raw.password].filter(Boolean);
  if (new Set(credentials).size < credentials.length) {
    configFixes.push(
      'two of the credentials hold the same value: each of API key, client id, client secret and password is a different value from Singapay',
    );
  }
  if (passwordMissing) {
    record({
      name: 'config',
      status: 'fail',
      summary: `${SINGAPAY_ENV_VARS.password} is missing; the rest is complete: ${where}`,
      fixes: [configProblemFix(`password (${SINGAPAY_ENV_VARS.password}) is missing`)!, ...configFixes],
      failure: 'password_missing',
    });
  } else {
    record({
      name: 'config',
      status: configFixes.length ? 'fail' : 'pass',
      summary: `complete: ${where}; ${set.join(', ')} set${fromFile.length === set.length ? ' (from .env)' : fromFile.length ? ` (${fromFile.join(', ')} from .env)` : ''}`,
      fixes: configFixes,
    });
  }

  const timeoutMs = options.timeoutMs ?? Math.min(resolved.timeoutMs, 15_000);

  // Where payment records are kept, and whether a crash or a full memory can lose them (only with a shared store).
  const ledger = await checkSingapayDoctorLedger(raw, resolved.environment === 'production', timeoutMs);
  if (ledger) record({ name: 'ledger', ...ledger });
  const baseUrlVariable = SINGAPAY_ENV_VARS.baseUrl;

  // 2. The host: DNS and a connection, before any credential is sent.
  const host = await checkSingapayHost(resolved.baseUrl, timeoutMs, baseUrlVariable);
  record({ name: 'host', status: host.ok ? 'pass' : 'fail', summary: host.summary, fixes: host.fixes });
  if (!host.ok) {
    skipRest(later.slice(1), 'host unreachable');
    return finish();
  }

  // 3-5 through the module itself, as the app would call them.
  let app: INestApplicationContext | undefined;
  try {
    app = await createDoctorContext(raw, passwordMissing, timeoutMs, options.logLevels);
    const auth = app.get(SingapayAuthService);
    try {
      const token = await auth.requestAccessToken({ timeoutMs });
      secrets.push(token.accessToken);
      record({ name: 'token', status: 'pass', summary: `granted (${token.tokenType}, lifetime ${token.expiresIn} s)`, fixes: [] });
    } catch (error) {
      const diagnosis = diagnoseTokenFailure(error, resolved.environment);
      if (diagnosis.cause === 'client_credentials_refused' || diagnosis.cause === 'credentials_mismatch') {
        const swapped = await trySwapped(raw, passwordMissing, timeoutMs, options.logLevels);
        if (swapped)
          diagnosis.fixes = [
            `${SINGAPAY_ENV_VARS.clientId} and ${SINGAPAY_ENV_VARS.clientSecret} are swapped: Singapay grants a token with them the other way round. Swap the two values`,
          ];
        else diagnosis.fixes.push('(they are not simply swapped: the other way round is refused too)');
      }
      record({ name: 'token', status: 'fail', summary: diagnosis.summary, fixes: diagnosis.fixes, failure: diagnosis.cause });
      skipRest(later.slice(2), 'no token');
      return finish();
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
      record({ name: 'balance', status: 'fail', summary: describeError(error), fixes: businessFixes(error) });
      if (options.inquiry) skipRest(['inquiry'], 'balance unreadable');
      return finish();
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
