/**
 * `singapay reconcile --date YYYY-MM-DD`: the daily reconciliation report, run by a person
 * or a nightly job against the payment store the app shares (PostgreSQL or Redis). It reads
 * configuration as `singapay doctor` does and never prints a secret.
 */
import { BadRequestException } from '@nestjs/common';
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { parseReconciliationDate } from '../reconciliation/singapay-reconciliation.runner.js';
import { formatSingapayReconciliation, type SingapayReconciliationFormat } from '../reconciliation/singapay-reconciliation.format.js';
import { redactSecrets } from '../util/singapay-secret.js';
import {
  openSingapayCliApp,
  parseSingapayCliArgs,
  runSingapayCliCommand,
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

function parseArgs(argv: readonly string[]) {
  const line = parseSingapayCliArgs(argv, { app: true, valued: ['--date', '--format'] });
  const format = line.values.format ?? 'table';
  if (format !== 'table' && format !== 'csv' && format !== 'json') throw new SingapayCliUsageError('--format must be table, csv or json');
  return { ...line, date: line.values.date, format: format as SingapayReconciliationFormat };
}

const NO_SHARED_STORE =
  `no shared payment store is configured: set ${SINGAPAY_ENV_VARS.databaseUrl} (PostgreSQL) or ${SINGAPAY_ENV_VARS.redisUrl} (Redis) ` +
  'to the store your app uses. An app without them keeps its records in its own memory, which no other process can read: ' +
  'reconcile from inside the app instead, with SingapayService.reconcileDay(date).';

/** Runs `singapay reconcile`; returns the exit code. */
export function runSingapayReconcile(argv: readonly string[], io: SingapayCliIo): Promise<number> {
  return runSingapayCliCommand('reconcile', SINGAPAY_RECONCILE_USAGE, argv, parseArgs, io, async (args, run) => {
    if (args.date === undefined) throw new SingapayCliUsageError('--date YYYY-MM-DD is required');
    try {
      parseReconciliationDate(args.date);
    } catch (error) {
      if (!(error instanceof BadRequestException)) throw error;
      const [why] = (error.getResponse() as { message: string[] }).message;
      throw new SingapayCliUsageError(`--date: ${why}`);
    }
    const service = await openSingapayCliApp(args, io, run, {
      production: 'the report reads your live transactions; it pays nothing',
      noSharedStore: NO_SHARED_STORE,
    });
    const now = io.now ?? Date.now;
    const started = now();
    const progress = io.progress?.bind(io);
    const report = await service.reconcileDay(
      args.date,
      undefined,
      progress
        ? { onProgress: ({ pagesRead, pages }) => progress(`Singapay's list: page ${pagesRead}${pages ? ` of ${pages}` : ''}`) }
        : {},
    );
    if (progress) progress('');
    // The report and the lines made of it are scrubbed with a short secret (a PIN) masked only as a
    // whole value, never cut out of a date, an id or an amount, which would corrupt them (and the JSON).
    const scrub = (value: string) => redactSecrets(value, run.secrets, 8);
    const tell = (line: string) => (io.error ?? io.write)(`singapay reconcile: ${scrub(line)}`);
    io.write(formatSingapayReconciliation(redactSecrets(report, run.secrets, 8), args.format).replace(/\n$/, ''));
    // CSV and JSON go to a file or a program: the warnings go where a person sees them too.
    if (args.format !== 'table') for (const w of report.warnings) tell(w);
    const took = `${report.date} took ${((now() - started) / 1000).toFixed(1)} s: ${report.singapay.pagesRead} list pages, ${report.local.recordsRead} records read`;
    // Under the table a person reads; beside CSV and JSON, where the warnings go.
    if (args.format === 'table') io.write(scrub(took));
    else tell(took);
    // 0 only when the report is complete and nothing needs attention.
    return report.complete && report.summary.needsAttention === 0 ? 0 : 1;
  });
}
