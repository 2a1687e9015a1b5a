/** What every `singapay` command shares: its command line, how it runs, and the app as a command opens it. */
import { NestFactory } from '@nestjs/core';
import type { SingapayModuleOptions } from '../singapay-module-options.interface.js';
import { resolveSingapayOptions, SingapayConfigurationError } from '../config/singapay-options.validation.js';
import { readSingapayOptionsFromEnv, SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { loadSingapayDoctorEnv } from '../doctor/singapay-doctor.env.js';
import { connectionStringSecrets, redactConnectionSecrets, SingapayPostgresSchemaError } from '../postgres/postgres-connection.js';
import { SingapayService } from '../service/singapay.service.js';
import { SingapayModule } from '../singapay.module.js';
import { singapayPaymentStoreKind } from '../singapay.providers.js';
import { getSingapayToken } from '../singapay.tokens.js';
import { redactSecrets } from '../util/singapay-secret.js';

/** Where a command writes, and what it reads; the `singapay` bin passes the process's. */
export interface SingapayCliIo {
  write(line: string): void;
  /** Where failures go. @default write */
  error?(line: string): void;
  /** A progress line for a terminal, each replacing the last; absent when no person watches. */
  progress?(line: string): void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  now?: () => number;
}

/** The command line was wrong: the command says so and prints its usage. */
export class SingapayCliUsageError extends Error {}

/** A command refused to run as configured (production without --production, no shared store): exit 2, no usage. */
export class SingapayCliRefusedError extends Error {}

/** A command line: `--help`, `--env-file F` / `--no-env-file`, the command's own options and bare words. */
export interface SingapayCliCommandLine {
  help: boolean;
  envFile?: string | false;
  /** The command's valued options given (`--date D` or `--date=D`), by name without the dashes. */
  values: Record<string, string>;
  /** The command's flags given, by name without the dashes. */
  flags: Set<string>;
  /** Bare words (an action), in order. */
  words: string[];
}

/**
 * Reads a command line: the common options, the command's own `valued` options and `flags`, at most `words` bare
 * words, and with `app` those of a command that opens the app (`--name N`, `--production`).
 */
export function parseSingapayCliArgs(
  argv: readonly string[],
  own: { valued?: readonly string[]; flags?: readonly string[]; words?: number; app?: boolean } = {},
): SingapayCliCommandLine {
  const { valued = [], flags = [], words = 0, app = false } = own;
  const out: SingapayCliCommandLine = { help: false, values: {}, flags: new Set(), words: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [name, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('--')))
        throw new SingapayCliUsageError(`${name} needs a value`);
      return v;
    };
    const flag = () => {
      // `--production=false` must not turn production on: a flag takes no value.
      if (inline !== undefined) throw new SingapayCliUsageError(`${name} takes no value`);
      return true;
    };
    if (name === '--help' || name === '-h') out.help = flag();
    else if (name === '--no-env-file' && flag()) out.envFile = false;
    else if (name === '--env-file') out.envFile = value();
    else if (valued.includes(name) || (app && name === '--name')) out.values[name.slice(2)] = value();
    else if ((flags.includes(name) || (app && name === '--production')) && flag()) out.flags.add(name.slice(2));
    else if (!arg.startsWith('-') && out.words.length < words) out.words.push(arg);
    else throw new SingapayCliUsageError(`unknown option ${arg.startsWith('--') ? name : `"${arg}"`}`);
  }
  return out;
}

/** One run of a command: the secrets it read (its output and failure are scrubbed of them), and what to close at its end. */
export interface SingapayCliRun {
  readonly secrets: string[];
  scrub(line: string): string;
  onClose(close: () => Promise<unknown>): void;
}

/**
 * Runs a command: `parse` reads its command line `argv`, `--help` prints the usage, else `body` runs.
 * Its failure is one line, scrubbed of every secret the run read, and the exit code of a failure is
 * decided here: 2 a usage or configuration error (a usage error followed by the usage), 1 any
 * other. (The doctor reports configuration problems as a failed check: 1.)
 */
export async function runSingapayCliCommand<A extends { help?: boolean }>(
  name: string,
  usage: string,
  argv: readonly string[],
  parse: (argv: readonly string[]) => A,
  io: SingapayCliIo,
  body: (args: A, run: SingapayCliRun) => Promise<number>,
): Promise<number> {
  const closers: (() => Promise<unknown>)[] = [];
  const secrets: string[] = [];
  const run: SingapayCliRun = {
    secrets,
    scrub: (line) => redactConnectionSecrets(redactSecrets(line, secrets), secrets),
    onClose: (close) => closers.push(close),
  };
  try {
    const args = parse(argv);
    if (!args.help) return await body(args, run);
    io.write(usage);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const fail = io.error ?? io.write;
    fail(`singapay ${name}: ${run.scrub(message)}`);
    if (error instanceof SingapayCliUsageError) fail(`\n${usage.trimEnd()}`);
    const misuse = [SingapayCliUsageError, SingapayCliRefusedError, SingapayConfigurationError, SingapayPostgresSchemaError];
    return misuse.some((type) => error instanceof type) ? 2 : 1;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

/**
 * Opens the app's registration for a command (`--production`, `--name` of its command line).
 * Secrets read on the way join the run's before anything can fail; the app closes with the run.
 */
export async function openSingapayCliApp(
  args: SingapayCliCommandLine,
  io: { env?: NodeJS.ProcessEnv; cwd?: string },
  run: SingapayCliRun,
  what: { production: string; noSharedStore: string },
): Promise<SingapayService> {
  const loaded = loadSingapayDoctorEnv({ env: io.env, cwd: io.cwd, envFile: args.envFile });
  const raw = readSingapayOptionsFromEnv(loaded.env);
  run.secrets.push(raw.apiKey, raw.clientSecret, raw.password, raw.databaseUrl ?? '', raw.redisUrl ?? '');
  run.secrets.push(...connectionStringSecrets(raw.databaseUrl), ...connectionStringSecrets(raw.redisUrl));
  const resolved = resolveSingapayOptions(raw);
  if (resolved.environment === 'production' && !args.flags.has('production')) {
    throw new SingapayCliRefusedError(`${SINGAPAY_ENV_VARS.environment} is production: refused without --production (${what.production})`);
  }
  // Where the module would keep records, read from the resolved options (SINGAPAY_PAYMENT_STORE=memory, in any
  // case, wins over both URLs): in memory, this process's records are empty.
  if (singapayPaymentStoreKind(resolved) === 'memory') throw new SingapayCliRefusedError(what.noSharedStore);
  const name = args.values.name;
  const options: SingapayModuleOptions = { ...raw, sweepIntervalMs: 0, ...(name ? { name } : {}) };
  // The module's own log lines would only repeat what the command says.
  const app = await NestFactory.createApplicationContext(SingapayModule.forRoot(options), { logger: false, abortOnError: false });
  run.onClose(() => app.close());
  return app.get<SingapayService>(name ? getSingapayToken(name) : SingapayService);
}
