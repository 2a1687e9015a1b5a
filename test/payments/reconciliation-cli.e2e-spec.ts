/**
 * `singapay reconcile` on a real PostgreSQL ledger (and once on Redis): the day of mixed
 * outcomes of test/support/reconciliation-day.ts in the three formats, its exit codes
 * (0 all matched, 1 attention or incomplete, 2 usage or configuration), and no secret in
 * anything it prints.
 */
import { Logger } from '@nestjs/common';
import { runSingapayReconcile } from '@app/singapay/cli/singapay-reconcile.command.js';
import { type SingapayReconciliationReport } from '@app/singapay/reconciliation/index.js';
import { PostgresPaymentStore } from '@app/singapay/postgres/index.js';
import { SINGAPAY_RECONCILIATION_CSV_COLUMNS } from '@app/singapay/reconciliation/singapay-reconciliation.format.js';
import { registerSecret } from '../support/log-capture.js';
import { postgresAvailable, postgresRequired, startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { DAY, DAY_BEFORE, PLANTED, plantDay, type PlantedDay } from '../support/reconciliation-day.js';
import { freePort } from '../support/free-port.js';
import { redisAvailable, startRedis } from '../support/redis-server.js';

/** RFC 4180, as a spreadsheet reads it: quoted fields, doubled quotes, CRLF between records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && c === '"') quoted = false;
    else if (quoted) field += c;
    else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field, 'the last record ends with CRLF').toBe('');
  return rows;
}

async function cli(argv: string[], env: NodeJS.ProcessEnv, terminal = false) {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const code = await runSingapayReconcile(argv, {
    write: (l) => out.push(l),
    error: (l) => err.push(l),
    env,
    ...(terminal ? { progress: (l: string) => progress.push(l) } : {}),
  });
  return { code, out: out.join('\n'), err: err.join('\n'), progress };
}

const envOf = (day: PlantedDay, store: Record<string, string>): NodeJS.ProcessEnv => ({
  SINGAPAY_BASE_URL: day.sim.baseUrl,
  SINGAPAY_API_KEY: day.sim.credentials.apiKey,
  SINGAPAY_CLIENT_ID: day.sim.credentials.clientId,
  SINGAPAY_CLIENT_SECRET: day.sim.credentials.clientSecret,
  SINGAPAY_PASSWORD: day.sim.credentials.password,
  ...store,
});

if (!postgresAvailable) new Logger('ReconcileCli').warn('PostgreSQL is not installed: the singapay reconcile tests are SKIPPED');
describe.skipIf(!postgresAvailable && !postgresRequired)('singapay reconcile on PostgreSQL', () => {
  let server: TestPostgres;
  let day: PlantedDay;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    if (!postgresAvailable) throw new Error('PostgreSQL is required here (SINGAPAY_REQUIRE_POSTGRES=1) but not installed');
    server = await startPostgres();
    registerSecret(server.password);
    const url = await server.createDatabase('reconcile');
    const store = new PostgresPaymentStore(url);
    await store.migrate();
    await store.close();
    day = await plantDay({ listPageSize: 4 }, { databaseUrl: url });
    env = envOf(day, { SINGAPAY_DATABASE_URL: url });
  }, 120_000);
  afterAll(async () => {
    await day?.close();
    await server?.stop();
  });

  const secrets = () => [server.password, day.sim.credentials.clientSecret, day.sim.credentials.password];
  const expectNoSecret = (text: string) => {
    for (const s of secrets()) expect(text).not.toContain(s);
  };

  it('prints the table for a person and exits 1: rows need attention', async () => {
    const run = await cli(['--date', DAY, '--no-env-file'], env, true);
    expect(run.code).toBe(1);
    expect(run.err).toBe('');
    // On a terminal: the list's pages as they come in (pages of 4 here), then the line cleared.
    expect(run.progress).toEqual(["Singapay's list: page 1 of 2", "Singapay's list: page 2 of 2", '']);
    expect(run.out).toMatch(/\n2025-06-10 took \d+\.\d s: \d+ list pages, \d+ records read$/);
    expect(run.out).toMatch(
      /^Singapay reconciliation of 2025-06-10 \(WIB: 2025-06-10T00:00:00\.000\+07:00 to 2025-06-11T00:00:00\.000\+07:00\)/,
    );
    expect(run.out).toMatch(
      /^Complete: 11 rows: 4 matched, 1 singapay_only, 3 local_only, 2 state_differs, 1 amount_differs, 0 unverified; 6 need attention/m,
    );
    for (const key of [PLANTED.amountDiffers, PLANTED.stateDiffers, PLANTED.ghost, PLANTED.unknownNeverArrived]) {
      expect(run.out).toMatch(new RegExp(`^!  \\w+ +\\d{2}:\\d{2}:\\d{2}  ${key} `, 'm'));
    }
    expect(run.out).toMatch(/^moved +success\+pending +\d+ +/m);
    expect(run.out).toMatch(/^refunded +given back +\d+ +/m);
    expectNoSecret(`${run.out}${run.err}`);
  });

  it('writes CSV: a header row and one RFC 4180 row per reconciliation row', async () => {
    const run = await cli(['--date', DAY, '--format', 'csv', '--no-env-file'], env);
    expect(run.code).toBe(1);
    const [header, ...rows] = parseCsv(`${run.out}\n`.replace(/\r?\n$/, '\r\n'));
    expect(header).toEqual([...SINGAPAY_RECONCILIATION_CSV_COLUMNS]);
    expect(rows).toHaveLength(11);
    const column = (name: (typeof SINGAPAY_RECONCILIATION_CSV_COLUMNS)[number]) => SINGAPAY_RECONCILIATION_CSV_COLUMNS.indexOf(name);
    expect(rows.every((r) => r.length === header!.length)).toBe(true);
    expect(rows.map((r) => r[column('category')]).sort()).toEqual(
      [
        'matched',
        'matched',
        'matched',
        'matched',
        'amount_differs',
        'state_differs',
        'state_differs',
        'local_only',
        'local_only',
        'local_only',
        'singapay_only',
      ].sort(),
    );
    const amount = rows.find((r) => r[column('idempotency_key')] === PLANTED.amountDiffers)!;
    expect(amount[column('differences')]).toMatch(/^price:\d+->\d+$/);
    // Notes hold commas: quoted, and read back whole.
    expect(rows.find((r) => r[column('idempotency_key')] === 'bill-1')![column('note')]).toBe('state, amount and price agree');
    // The warning a spreadsheet would not show goes to stderr.
    expect(run.err).toMatch(/^singapay reconcile: 1 transaction\(s\) of this day belong to records of the day before or after/);
    expectNoSecret(`${run.out}${run.err}`);
  });

  it('writes the whole report as JSON', async () => {
    const run = await cli(['--date', DAY, '--format=json', '--no-env-file'], env);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.out) as SingapayReconciliationReport;
    expect(report).toMatchObject({ date: DAY, complete: true, summary: { rows: 11, needsAttention: 6 } });
    expect(report.rows.find((r) => r.local?.idempotencyKey === PLANTED.lostWithReference)).toMatchObject({
      category: 'state_differs',
      pairedBy: 'reference_number',
    });
    expectNoSecret(run.out);
  });

  it('leaves dates, ids and amounts whole when a short payment password (a PIN) happens to be in them', async () => {
    // Reconciling sends no payment: the password is never used here, only guarded.
    const run = await cli(['--date', DAY, '--format=json', '--no-env-file'], { ...env, SINGAPAY_PASSWORD: '2025' });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.out) as SingapayReconciliationReport;
    expect(report).toMatchObject({ date: DAY, summary: { rows: 11 } });
    expect(run.out).not.toContain('[REDACTED]');
    // The lines beside the JSON, made of the report, too.
    expect(run.err).toMatch(/^singapay reconcile: 2025-06-10 took /m);
    expect(run.err).not.toContain('[REDACTED]');
  });

  it('exits 0 for a day where everything matched', async () => {
    const run = await cli(['--date', DAY_BEFORE, '--no-env-file'], env);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(/^Complete: 1 rows: 1 matched, .* 0 need attention/m);
  });

  it('exits 1 and says INCOMPLETE for a day not over yet in WIB (a nightly job given today), never a green report', async () => {
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const run = await cli(['--date', today, '--no-env-file'], env);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(new RegExp(`INCOMPLETE: ${today} is not over yet in WIB`));
    expect(run.out).not.toMatch(/^Complete/m);
  });

  it('exits 1 and says INCOMPLETE when a page of the list fails', async () => {
    const fault = day.sim.faults.add({ endpoint: 'list', match: { page: '2' }, fault: { kind: 'html', status: 502 } });
    try {
      const run = await cli(['--date', DAY, '--format', 'csv', '--no-env-file'], env);
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/^singapay reconcile: INCOMPLETE: Singapay's list was not read in full: page 2 failed/m);
      expect(run.out).toContain(',unverified,');
      expectNoSecret(`${run.out}${run.err}`);
    } finally {
      day.sim.faults.remove(fault);
    }
  });

  it('exits 2 for usage and configuration errors, naming the problem and never a secret', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--no-env-file'], env, /--date YYYY-MM-DD is required/],
      [['--date', '2025-02-30', '--no-env-file'], env, /--date: date must be a calendar day as YYYY-MM-DD/],
      // A nightly job with a wrong date must not show green, nor end in a database error.
      [['--date', '9999-12-31', '--no-env-file'], env, /--date: date 9999-12-31 has not begun yet in WIB/],
      [['--date', new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10), '--no-env-file'], env, /has not begun yet in WIB/],
      [['--date', '0001-01-01', '--no-env-file'], env, /--date: date must be 2000-01-01 or later/],
      [['--date', DAY, '--format', 'xml', '--no-env-file'], env, /--format must be table, csv or json/],
      [['--date', DAY, '--bogus'], env, /unknown option --bogus/],
      [['--date', DAY, '--env-file', '/nonexistent/.env'], env, /the env file .* does not exist/],
      [
        ['--date', DAY, '--no-env-file'],
        { ...env, SINGAPAY_DATABASE_URL: undefined },
        /no shared payment store is configured: set SINGAPAY_DATABASE_URL/,
      ],
      [['--date', DAY, '--no-env-file'], { ...env, SINGAPAY_PAYMENT_STORE: 'memory' }, /no shared payment store is configured/],
      // Read as the module reads it: in any case, memory wins over the database URL.
      [['--date', DAY, '--no-env-file'], { ...env, SINGAPAY_PAYMENT_STORE: 'MEMORY' }, /no shared payment store is configured/],
      [
        ['--date', DAY, '--no-env-file'],
        { ...env, SINGAPAY_CLIENT_SECRET: undefined },
        /clientSecret \(SINGAPAY_CLIENT_SECRET\) is missing/,
      ],
      [
        ['--date', DAY, '--no-env-file'],
        { ...env, SINGAPAY_ENV: 'production' },
        /SINGAPAY_ENV is production: refused without --production/,
      ],
    ];
    for (const [argv, e, message] of cases) {
      const run = await cli(argv, e);
      expect({ argv, code: run.code }).toEqual({ argv, code: 2 });
      expect(run.err).toMatch(message);
      expect(run.out).toBe('');
      expectNoSecret(run.err);
    }
    expect(await cli(['--help'], env)).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^Usage: singapay reconcile --date YYYY-MM-DD/),
    });
  });

  it('exits 1 for a database it cannot reach, without its password', async () => {
    const url = env.SINGAPAY_DATABASE_URL!.replace(server.password, 'Wrong-pa55word-7');
    const run = await cli(['--date', DAY, '--no-env-file'], { ...env, SINGAPAY_DATABASE_URL: url });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^singapay reconcile: .*password authentication failed/);
    expect(run.err).not.toContain('Wrong-pa55word-7');
    expectNoSecret(run.err);
  });
});

describe.skipIf(!redisAvailable)('singapay reconcile on Redis', () => {
  it('reads the records the app shares through SINGAPAY_REDIS_URL', async () => {
    const redis = await startRedis();
    const day = await plantDay({ listPageSize: 10 }, { redisUrl: redis.url });
    try {
      const run = await cli(['--date', DAY, '--format', 'json', '--no-env-file'], envOf(day, { SINGAPAY_REDIS_URL: redis.url }));
      expect(run.code).toBe(1);
      const report = JSON.parse(run.out) as SingapayReconciliationReport;
      expect(report.summary).toMatchObject({ rows: 11, matched: 4, singapayOnly: 1, localOnly: 3, stateDiffers: 2, amountDiffers: 1 });
      // A Redis that is down is a failure (1), as an unreachable database is, not a configuration mistake (2).
      const down = await cli(['--date', DAY, '--no-env-file'], envOf(day, { SINGAPAY_REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
      expect(down.code).toBe(1);
      expect(down.err).toMatch(/^singapay reconcile: .*could not be reached to check it/);
    } finally {
      await day.close();
      await redis.stop();
    }
  }, 60_000);
});
