/**
 * The module as a command opens it: configuration read as the app reads it (`SINGAPAY_*` and
 * ./.env), the payment store the app shares, the registration the app names. Used by the
 * commands that act on the app's own records (`singapay reconcile`, `singapay ledger`).
 */
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { SingapayModuleOptions } from '../singapay-module-options.interface.js';
import { resolveSingapayOptions } from '../config/singapay-options.validation.js';
import { readSingapayOptionsFromEnv, SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { loadSingapayDoctorEnv } from '../doctor/singapay-doctor.env.js';
import { connectionStringSecrets } from '../postgres/postgres-connection.js';
import { SingapayService } from '../service/singapay.service.js';
import { SingapayModule } from '../singapay.module.js';
import { getSingapayToken } from '../singapay.tokens.js';

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

export interface SingapayCliAppArgs {
  envFile?: string | false;
  production: boolean;
  /** The registration's name, when the app names it. */
  name?: string;
}

/** A command line of a command that opens the app: its common options, its own `--name value` options, its words. */
export interface SingapayCliAppCommandLine extends SingapayCliAppArgs {
  help: boolean;
  /** The command's own valued options, by name without the dashes. */
  values: Record<string, string>;
  /** Bare words (an action), in order. */
  words: string[];
}

/**
 * Reads `--help`, `--env-file F` / `--no-env-file`, `--production`, `--name N`, the command's
 * own valued options (`--date D` or `--date=D`) and at most `maxWords` bare words.
 */
export function parseSingapayCliAppArgs(argv: readonly string[], valued: readonly string[], maxWords = 0): SingapayCliAppCommandLine {
  const out: SingapayCliAppCommandLine = { help: false, production: false, values: {}, words: [] };
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
    if (name === '--help' || name === '-h') out.help = true;
    else if (name === '--production') out.production = true;
    else if (name === '--no-env-file') out.envFile = false;
    else if (name === '--env-file') out.envFile = value();
    else if (name === '--name') out.name = value();
    else if (valued.includes(name)) out.values[name.slice(2)] = value();
    else if (!arg.startsWith('-') && out.words.length < maxWords) out.words.push(arg);
    else throw new SingapayCliUsageError(`unknown option ${arg.startsWith('--') ? name : `"${arg}"`}`);
  }
  return out;
}

export interface SingapayCliApp {
  app: INestApplicationContext;
  service: SingapayService;
}

/**
 * Opens the app's registration for a command. Secrets read on the way are pushed to `secrets`
 * (for the caller to scrub its output with) before anything can fail.
 */
export async function openSingapayCliApp(
  args: SingapayCliAppArgs,
  io: { env?: NodeJS.ProcessEnv; cwd?: string },
  secrets: string[],
  what: { production: string; noSharedStore: string },
): Promise<SingapayCliApp> {
  const loaded = loadSingapayDoctorEnv({ env: io.env, cwd: io.cwd, envFile: args.envFile });
  const raw = readSingapayOptionsFromEnv(loaded.env);
  secrets.push(raw.apiKey, raw.clientSecret, raw.password, raw.databaseUrl ?? '', raw.redisUrl ?? '');
  secrets.push(...connectionStringSecrets(raw.databaseUrl), ...connectionStringSecrets(raw.redisUrl));
  const resolved = resolveSingapayOptions(raw);
  if (resolved.environment === 'production' && !args.production) {
    throw new SingapayCliRefusedError(`${SINGAPAY_ENV_VARS.environment} is production: refused without --production (${what.production})`);
  }
  // SINGAPAY_PAYMENT_STORE=memory wins over both in the module: this process's memory is empty.
  if ((!raw.databaseUrl && !raw.redisUrl) || raw.paymentStore === 'memory') throw new SingapayCliRefusedError(what.noSharedStore);
  const options: SingapayModuleOptions = { ...raw, sweepIntervalMs: 0, ...(args.name ? { name: args.name } : {}) };
  // The module's own log lines would only repeat what the command says.
  const app = await NestFactory.createApplicationContext(SingapayModule.forRoot(options), { logger: false, abortOnError: false });
  return { app, service: app.get<SingapayService>(args.name ? getSingapayToken(args.name) : SingapayService) };
}
