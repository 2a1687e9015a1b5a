/**
 * `singapay reconcile --date YYYY-MM-DD`: the daily reconciliation report, run by a person
 * or a nightly job against the payment store the app shares (PostgreSQL or Redis). It reads
 * configuration as `singapay doctor` does and never prints a secret.
 */
import { BadRequestException, type INestApplicationContext } from '@nestjs/common';
import { SingapayConfigurationError } from '../config/singapay-options.validation.js';
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { redactConnectionSecrets, SingapayPostgresSchemaError } from '../postgres/postgres-connection.js';
import { parseReconciliationDate } from '../reconciliation/singapay-reconciliation.runner.js';
import { formatSingapayReconciliation, type SingapayReconciliationFormat } from '../reconciliation/singapay-reconciliation.format.js';
import type { SingapayReconciliationReport } from '../reconciliation/singapay-reconciliation.types.js';
import { redactSecrets } from '../util/singapay-secret.js';
import {
  openSingapayCliApp,
  parseSingapayCliAppArgs,
  SingapayCliRefusedError,
  SingapayCliUsageError,
  type SingapayCliIo,
} from './singapay-cli.app.js';

export const SINGAPAY_RECONCILE_USAGE = `Usage: singapay reconcile --date YYYY-MM-DD [--format table|csv|json]
                          [--env-file FILE | --no-env-file] [--production] [--name NAME]

Compares the payment records of one WIB day (UTC+7) with Singapay's transaction list of it,
every page, and prints what matched, what only Singapay has, what only the records have, and
where state or amount differ, with count and sums per product and status. Read-only: list and
detail calls at Singapay, reads of the store; nothing is paid and nothing is written.
Reads SINGAPAY_* variables and ./.env as the app does (ConfigModule.forRoot()), and the
payment store the app shares: ${SINGAPAY_ENV_VARS.databaseUrl} (PostgreSQL) or ${SINGAPAY_ENV_VARS.redisUrl} (Redis).

Exit code: 0 everything matched; 1 rows need attention, or the report is incomplete, or it
could not be made; 2 a usage or configuration error.

  --date YYYY-MM-DD  the day, in WIB
  --format F         table (default, for a person), csv (a header row, one row per
                     reconciliation row, RFC 4180; ids with a leading zero as ="0…") or json (the whole report)
  --env-file FILE    read variables from FILE instead of ./.env; --no-env-file reads none
  --production       allow ${SINGAPAY_ENV_VARS.environment}=production (refused otherwise)
  --name NAME        the registration's name, when the app names it (SingapayModule.forRoot({ name }))
`;

/** What a report means for the exit code: 0 only when complete and nothing needs attention. */
export function singapayReconcileExitCode(report: SingapayReconciliationReport): 0 | 1 {
  return report.complete && report.summary.needsAttention === 0 ? 0 : 1;
}

function parseArgs(argv: readonly string[]) {
  const line = parseSingapayCliAppArgs(argv, ['--date', '--format']);
  const format = line.values.format ?? 'table';
  if (format !== 'table' && format !== 'csv' && format !== 'json') throw new SingapayCliUsageError('--format must be table, csv or json');
  return { ...line, date: line.values.date, format: format as SingapayReconciliationFormat };
}

const NO_SHARED_STORE =
  `no shared payment store is configured: set ${SINGAPAY_ENV_VARS.databaseUrl} (PostgreSQL) or ${SINGAPAY_ENV_VARS.redisUrl} (Redis) ` +
  'to the store your app uses. An app without them keeps its records in its own memory, which no other process can read: ' +
  'reconcile from inside the app instead, with SingapayService.reconcileDay(date).';

/** Runs `singapay reconcile`; returns the exit code. */
export async function runSingapayReconcile(argv: readonly string[], io: SingapayCliIo): Promise<number> {
  const fail = io.error ?? io.write;
  const secrets: string[] = [];
  const say = (line: string) => fail(`singapay reconcile: ${redactConnectionSecrets(redactSecrets(line, secrets), secrets)}`);
  let app: INestApplicationContext | undefined;
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.write(SINGAPAY_RECONCILE_USAGE);
      return 0;
    }
    if (args.date === undefined) throw new SingapayCliUsageError('--date YYYY-MM-DD is required');
    try {
      parseReconciliationDate(args.date);
    } catch (error) {
      if (!(error instanceof BadRequestException)) throw error;
      const [why] = (error.getResponse() as { message: string[] }).message;
      throw new SingapayCliUsageError(`--date: ${why}`);
    }
    const opened = await openSingapayCliApp(args, io, secrets, {
      production: 'the report reads your live transactions; it pays nothing',
      noSharedStore: NO_SHARED_STORE,
    });
    app = opened.app;
    const now = io.now ?? Date.now;
    const started = now();
    const progress = io.progress?.bind(io);
    const report = await opened.service.reconcileDay(
      args.date,
      undefined,
      progress
        ? { onProgress: ({ pagesRead, pages }) => progress(`Singapay's list: page ${pagesRead}${pages ? ` of ${pages}` : ''}`) }
        : {},
    );
    if (progress) progress('');
    io.write(redactSecrets(formatSingapayReconciliation(report, args.format), secrets).replace(/\n$/, ''));
    // CSV and JSON go to a file or a program: the warnings go where a person sees them too.
    if (args.format !== 'table') for (const w of report.warnings) say(w);
    const took = `${report.date} took ${((now() - started) / 1000).toFixed(1)} s: ${report.singapay.pagesRead} list pages, ${report.local.recordsRead} records read`;
    // Under the table a person reads; beside CSV and JSON, where the warnings go.
    if (args.format === 'table') io.write(took);
    else say(took);
    return singapayReconcileExitCode(report);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const usage = error instanceof SingapayCliUsageError;
    const config =
      usage ||
      error instanceof SingapayCliRefusedError ||
      error instanceof SingapayConfigurationError ||
      error instanceof SingapayPostgresSchemaError;
    say(message);
    if (usage) fail(`\n${SINGAPAY_RECONCILE_USAGE}`);
    // The env file named does not exist: a usage error too.
    return config || /^the env file .* does not exist$/.test(message) ? 2 : 1;
  } finally {
    await app?.close().catch(() => undefined);
  }
}
