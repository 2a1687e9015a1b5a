/**
 * `singapay migrate` and `singapay prune`: the PostgreSQL payment ledger's schema
 * and its clean-up, run by a person or a deploy step, never by the app at request time.
 */
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { loadSingapayDoctorEnv } from '../doctor/singapay-doctor.env.js';
import { SingapayCliUsageError, type SingapayCliIo } from './singapay-cli.app.js';
import { connectionStringSecrets, redactConnectionSecrets } from '../postgres/postgres-connection.js';
import { PostgresPaymentStore } from '../postgres/postgres-payment.store.js';
import {
  SINGAPAY_POSTGRES_MIGRATIONS,
  SINGAPAY_POSTGRES_PRUNE_MIN_AGE_MS,
  SINGAPAY_POSTGRES_SCHEMA_VERSION,
  SINGAPAY_POSTGRES_TABLE,
  singapayPostgresMigrationSql,
} from '../postgres/postgres-schema.js';

export const SINGAPAY_MIGRATE_USAGE = `Usage: singapay migrate [--database-url URL] [--env-file FILE | --no-env-file]
       singapay migrate --print [--from VERSION]

Creates or upgrades the PostgreSQL payment ledger (table ${SINGAPAY_POSTGRES_TABLE}) to schema
version ${SINGAPAY_POSTGRES_SCHEMA_VERSION}, in one transaction; safe to run again, and from several hosts at once.

  --database-url URL  the database (default: ${SINGAPAY_ENV_VARS.databaseUrl}, from the environment or .env;
                      prefer the variable: a command line is visible to other users of the host)
  --env-file FILE     read variables from FILE instead of ./.env
  --no-env-file       read the environment only
  --print             print the SQL instead of running it, for teams that run their own migrations
  --from VERSION      with --print: only the steps after that schema version

Exit code: 0 done; 1 it failed (the database refused or could not be reached); 2 a usage or configuration error.
`;

export const SINGAPAY_PRUNE_USAGE = `Usage: singapay prune --before DATE [--dry-run] [--database-url URL] [--env-file FILE | --no-env-file]

Deletes final payment records (success, failed, refunded) last changed before DATE, in every
namespace of the PostgreSQL payment ledger. Unsettled records are never deleted. Records are the
money trail: keep them as long as your accounting needs (DATE must be at least 7 days ago).

  --before DATE       YYYY-MM-DD (midnight UTC) or an ISO 8601 instant
  --dry-run           count what would be deleted, delete nothing
  --database-url URL  the database (default: ${SINGAPAY_ENV_VARS.databaseUrl}, from the environment or .env)
  --env-file FILE     read variables from FILE instead of ./.env
  --no-env-file       read the environment only

Exit code: 0 done; 1 it failed (the database refused or could not be reached); 2 a usage or configuration error.
`;

interface CommonArgs {
  help: boolean;
  databaseUrl?: string;
  envFile?: string | false;
}

function parseArgs(
  argv: readonly string[],
  flags: readonly string[],
  valued: readonly string[],
): CommonArgs & Record<string, string | boolean | undefined> {
  const out: CommonArgs & Record<string, string | boolean | undefined> = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--help' || name === '-h') out.help = true;
    else if (name === '--no-env-file') out.envFile = false;
    else if (name === '--env-file' || name === '--database-url' || valued.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new SingapayCliUsageError(`${name} needs a value`);
      if (name === '--env-file') out.envFile = value;
      else if (name === '--database-url') out.databaseUrl = value;
      else out[name.slice(2)] = value;
    } else if (flags.includes(name)) out[name.slice(2)] = true;
    else throw new SingapayCliUsageError(`unknown option ${arg.startsWith('--') ? name : `"${arg}"`}`);
  }
  return out;
}

function databaseUrlOf(args: CommonArgs, io: SingapayCliIo): string {
  let url = args.databaseUrl;
  if (!url) {
    const loaded = loadSingapayDoctorEnv({ env: io.env, cwd: io.cwd, envFile: args.envFile });
    url = loaded.env[SINGAPAY_ENV_VARS.databaseUrl]?.trim();
  }
  if (!url) throw new SingapayCliUsageError(`no database: set ${SINGAPAY_ENV_VARS.databaseUrl} or pass --database-url`);
  if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) {
    throw new SingapayCliUsageError(`the database URL must be a postgres:// or postgresql:// URL`);
  }
  return url;
}

async function withStore<T>(url: string, work: (store: PostgresPaymentStore) => Promise<T>): Promise<T> {
  const store = new PostgresPaymentStore(url, { pool: { max: 1 } });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Runs `singapay migrate`; returns the exit code. */
export async function runSingapayMigrate(argv: readonly string[], io: SingapayCliIo): Promise<number> {
  return command('migrate', SINGAPAY_MIGRATE_USAGE, io, async () => {
    // Backquoted: the package build's import check would take a quoted --from for an import.
    const args = parseArgs(argv, ['--print'], [`--from`]);
    if (args.help) {
      io.write(SINGAPAY_MIGRATE_USAGE);
      return 0;
    }
    if (args.from !== undefined && !args.print) throw new SingapayCliUsageError('--from goes with --print');
    if (args.print) {
      const from = args.from === undefined ? 0 : Number(args.from);
      if (!Number.isInteger(from) || from < 0) throw new SingapayCliUsageError('--from needs a schema version (0, 1, …)');
      io.write(singapayPostgresMigrationSql(from));
      return 0;
    }
    const url = databaseUrlOf(args, io);
    return {
      url,
      run: () =>
        withStore(url, async (store) => {
          const result = await store.migrate();
          if (result.applied.length === 0) {
            io.write(`PostgreSQL payment ledger: up to date (schema version ${result.to})`);
          } else {
            const names = result.applied.map((v) => `${v} (${SINGAPAY_POSTGRES_MIGRATIONS.find((m) => m.version === v)?.name})`).join(', ');
            io.write(`PostgreSQL payment ledger: schema version ${result.from} -> ${result.to}; applied ${names}`);
          }
          return 0;
        }),
    };
  });
}

/** Runs `singapay prune`; returns the exit code. */
export async function runSingapayPrune(argv: readonly string[], io: SingapayCliIo): Promise<number> {
  return command('prune', SINGAPAY_PRUNE_USAGE, io, async () => {
    const args = parseArgs(argv, ['--dry-run'], ['--before']);
    if (args.help) {
      io.write(SINGAPAY_PRUNE_USAGE);
      return 0;
    }
    if (typeof args.before !== 'string') throw new SingapayCliUsageError('--before DATE is required');
    const text = args.before;
    const before = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
    if (Number.isNaN(before.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
      throw new SingapayCliUsageError('--before needs a date: YYYY-MM-DD or an ISO 8601 instant');
    }
    const now = (io.now ?? Date.now)();
    if (before.getTime() > now - SINGAPAY_POSTGRES_PRUNE_MIN_AGE_MS) {
      throw new SingapayCliUsageError(
        `--before must be at least 7 days ago (${new Date(now - SINGAPAY_POSTGRES_PRUNE_MIN_AGE_MS).toISOString().slice(0, 10)} or earlier): refunds and callbacks still arrive for recent payments`,
      );
    }
    const url = databaseUrlOf(args, io);
    const dryRun = args['dry-run'] === true;
    return {
      url,
      run: () =>
        withStore(url, async (store) => {
          const n = await store.prune({ before, dryRun, now: () => now });
          io.write(
            `${dryRun ? 'would prune' : 'pruned'} ${n} final payment record${n === 1 ? '' : 's'} last changed before ${before.toISOString()}`,
          );
          return 0;
        }),
    };
  });
}

/** Usage errors exit 2 with the usage; other errors exit 1 with their message, scrubbed of credentials. */
async function command(
  name: string,
  usage: string,
  io: SingapayCliIo,
  prepare: () => Promise<number | { url: string; run: () => Promise<number> }>,
): Promise<number> {
  let secrets: string[] = [];
  try {
    const prepared = await prepare();
    if (typeof prepared === 'number') return prepared;
    secrets = connectionStringSecrets(prepared.url);
    return await prepared.run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const fail = io.error ?? io.write;
    fail(`singapay ${name}: ${redactConnectionSecrets(message, secrets)}`);
    if (error instanceof SingapayCliUsageError) fail(`\n${usage}`);
    // The exit codes of every singapay command: 2 a usage or configuration error, 1 a failure.
    const misuse = error instanceof SingapayCliUsageError || /^the env file .* does not exist$/.test(message);
    return misuse ? 2 : 1;
  }
}
