/**
 * `singapay migrate` and `singapay prune`: the PostgreSQL payment ledger's schema
 * and its clean-up, run by a person or a deploy step, never by the app at request time.
 */
import { calendarDayStart } from '../biller/singapay-time.js';
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { loadSingapayDoctorEnv } from '../doctor/singapay-doctor.env.js';
import {
  parseSingapayCliArgs,
  runSingapayCliCommand,
  SingapayCliRefusedError,
  SingapayCliUsageError,
  type SingapayCliCommandLine,
  type SingapayCliIo,
  type SingapayCliRun,
} from './singapay-cli.app.js';
import { connectionStringSecrets } from '../postgres/postgres-connection.js';
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

export const SINGAPAY_PRUNE_USAGE = `Usage: singapay prune --before DATE [--dry-run] [--production] [--database-url URL] [--env-file FILE | --no-env-file]

Deletes final payment records (success, failed, refunded) last changed before DATE, in every
namespace of the PostgreSQL payment ledger. Unsettled records are never deleted. Records are the
money trail: keep them as long as your accounting needs (DATE must be at least 7 days ago).

  --before DATE       YYYY-MM-DD (midnight UTC) or an ISO 8601 instant
  --dry-run           count what would be deleted, delete nothing
  --production        allow deleting when ${SINGAPAY_ENV_VARS.environment}=production or the database holds records of a
                      production registration (refused otherwise; a dry run needs none)
  --database-url URL  the database (default: ${SINGAPAY_ENV_VARS.databaseUrl}, from the environment or .env)
  --env-file FILE     read variables from FILE instead of ./.env
  --no-env-file       read the environment only

Exit code: 0 done; 1 it failed (the database refused or could not be reached); 2 a usage or configuration error.
`;

/** The variables the app reads: the environment, else the env file of the command line. */
const envOf = (args: SingapayCliCommandLine, io: SingapayCliIo) =>
  loadSingapayDoctorEnv({ env: io.env, cwd: io.cwd, envFile: args.envFile }).env;

/** The PostgreSQL ledger of --database-url, else of SINGAPAY_DATABASE_URL as the app reads it; it closes with the run. */
function openStore(args: SingapayCliCommandLine, io: SingapayCliIo, run: SingapayCliRun): PostgresPaymentStore {
  const url = args.values['database-url'] ?? envOf(args, io)[SINGAPAY_ENV_VARS.databaseUrl]?.trim();
  if (!url) throw new SingapayCliUsageError(`no database: set ${SINGAPAY_ENV_VARS.databaseUrl} or pass --database-url`);
  run.secrets.push(...connectionStringSecrets(url));
  if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) {
    throw new SingapayCliUsageError(`the database URL must be a postgres:// or postgresql:// URL`);
  }
  // No query timeout: pg's only stops waiting, while the server runs on (an index build blocking every
  // payment write, then rolled back), and another host's migration lock may be held for longer.
  const store = new PostgresPaymentStore(url, { pool: { max: 1, query_timeout: 0 } });
  run.onClose(() => store.close());
  return store;
}

/** Runs `singapay migrate`; returns the exit code. */
export function runSingapayMigrate(argv: readonly string[], io: SingapayCliIo): Promise<number> {
  // Backquoted: the package build's import check would take a quoted --from for an import.
  const parse = (line: readonly string[]) => parseSingapayCliArgs(line, { valued: ['--database-url', `--from`], flags: ['--print'] });
  return runSingapayCliCommand('migrate', SINGAPAY_MIGRATE_USAGE, argv, parse, io, async (args, run) => {
    const print = args.flags.has('print');
    if (args.values.from !== undefined && !print) throw new SingapayCliUsageError('--from goes with --print');
    if (print) {
      const from = args.values.from === undefined ? 0 : Number(args.values.from);
      if (!Number.isInteger(from) || from < 0) throw new SingapayCliUsageError('--from needs a schema version (0, 1, …)');
      io.write(singapayPostgresMigrationSql(from));
      return 0;
    }
    const result = await openStore(args, io, run).migrate();
    if (result.applied.length === 0) {
      io.write(`PostgreSQL payment ledger: up to date (schema version ${result.to})`);
    } else {
      const names = result.applied.map((v) => `${v} (${SINGAPAY_POSTGRES_MIGRATIONS.find((m) => m.version === v)?.name})`).join(', ');
      io.write(`PostgreSQL payment ledger: schema version ${result.from} -> ${result.to}; applied ${names}`);
    }
    return 0;
  });
}

/** Runs `singapay prune`; returns the exit code. */
export function runSingapayPrune(argv: readonly string[], io: SingapayCliIo): Promise<number> {
  const parse = (line: readonly string[]) =>
    parseSingapayCliArgs(line, { valued: ['--database-url', '--before'], flags: ['--dry-run', '--production'] });
  return runSingapayCliCommand('prune', SINGAPAY_PRUNE_USAGE, argv, parse, io, async (args, run) => {
    const text = args.values.before;
    if (text === undefined) throw new SingapayCliUsageError('--before DATE is required');
    // Its day must be one of the calendar: `new Date` takes 2025-02-30 for 2 March, two more days of records gone.
    const day = calendarDayStart(text.slice(0, 10));
    const before = new Date(text.length === 10 ? (day ?? Number.NaN) : text);
    if (day === undefined || Number.isNaN(before.getTime())) {
      throw new SingapayCliUsageError('--before needs a date: YYYY-MM-DD or an ISO 8601 instant');
    }
    const now = (io.now ?? Date.now)();
    if (before.getTime() > now - SINGAPAY_POSTGRES_PRUNE_MIN_AGE_MS) {
      throw new SingapayCliUsageError(
        `--before must be at least 7 days ago (${new Date(now - SINGAPAY_POSTGRES_PRUNE_MIN_AGE_MS).toISOString().slice(0, 10)} or earlier): refunds and callbacks still arrive for recent payments`,
      );
    }
    const dryRun = args.flags.has('dry-run');
    // As every command that reaches live records: production is said out loud (a count deletes nothing).
    const production = envOf(args, io)[SINGAPAY_ENV_VARS.environment]?.trim().toLowerCase() === 'production';
    if (production && !dryRun && !args.flags.has('production')) {
      throw new SingapayCliRefusedError(
        `${SINGAPAY_ENV_VARS.environment} is production: refused without --production (prune deletes records of every registration in that database; --dry-run counts them)`,
      );
    }
    // Without --production a database holding production records is refused too, whatever the shell's environment says.
    const n = await openStore(args, io, run)
      .prune({ before, dryRun, now: () => now, refuseProduction: !args.flags.has('production') })
      .catch((error: unknown) => {
        if (error instanceof RangeError && /production registration/.test(error.message)) throw new SingapayCliRefusedError(error.message);
        throw error;
      });
    io.write(
      `${dryRun ? 'would prune' : 'pruned'} ${n} final payment record${n === 1 ? '' : 's'} last changed before ${before.toISOString()}`,
    );
    return 0;
  });
}
