// Section 7 (scale): the daily report of a busy merchant and the sweep among many final records.
// The simulator (in this process) holds three days of N transactions each and answers every list
// page after a fixed latency; the module runs in a worker process of its own, whose records hold
// the day's transactions, so that its time and peak memory are the report's.
import { Logger } from '@nestjs/common';
import { SingapaySimulator } from '../libs/singapay-simulator/src/index.js';
import { BenchChild } from './bench-ipc.js';
import { QUICK, say } from './bench-config.js';
import type { ScaleReportCase, ScaleResults } from './bench-results.js';
import { startBenchStores } from './bench-stores.js';
import type { ScaleRecords, ScaleReportResult, ScaleSweepResult, ScaleSweepStore } from './scale-worker.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WIB = 7 * HOUR;

export const SCALE = {
  latencyMs: 50,
  reports: QUICK
    ? [
        { transactionsPerDay: 1_000, pageRows: 10 },
        { transactionsPerDay: 10_000, pageRows: 100 },
      ]
    : [
        { transactionsPerDay: 1_000, pageRows: 10 },
        { transactionsPerDay: 10_000, pageRows: 10 },
        { transactionsPerDay: 100_000, pageRows: 10 },
        { transactionsPerDay: 100_000, pageRows: 100 },
      ],
  sweeps: { finalRecords: QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000], dueRecords: 100 },
};

/** The WIB day three days back, and its start: a day that is over, with days either side. */
function pastDay(): { date: string; startMs: number } {
  const startMs = Math.floor((Date.now() + WIB) / DAY) * DAY - WIB - 3 * DAY;
  return { date: new Date(startMs + WIB).toISOString().slice(0, 10), startMs };
}

async function reportCase(transactionsPerDay: number, pageRows: number): Promise<ScaleReportCase> {
  const sim = await SingapaySimulator.start({ variants: { listPerPage: pageRows === 10 ? 'ignored' : 'honoured' } });
  const worker = await BenchChild.start('scale worker', './scale-worker.js', { execArgv: ['--expose-gc'] });
  try {
    const day = pastDay();
    for (const offset of [-1, 0, 1]) {
      sim.seedTransactions({ count: transactionsPerDay, fromMs: day.startMs + offset * DAY, toMs: day.startMs + (offset + 1) * DAY });
    }
    const records: ScaleRecords = { transactionIds: [], customerIds: [], createdAt: [] };
    for (const tx of sim.transactions()) {
      if (tx.createdAt < day.startMs || tx.createdAt >= day.startMs + DAY) continue;
      records.transactionIds.push(tx.transactionId);
      records.customerIds.push(tx.customerId);
      records.createdAt.push(tx.createdAt);
    }
    sim.faults.add({ endpoint: 'list', fault: { kind: 'latency', ms: SCALE.latencyMs } });
    const before = sim.stats().requests['/api/v1/list-bill-transaction'] ?? 0;
    const result = await worker.request<ScaleReportResult>('report', {
      baseUrl: sim.baseUrl,
      credentials: sim.credentials,
      date: day.date,
      records,
    });
    const listRequests = (sim.stats().requests['/api/v1/list-bill-transaction'] ?? 0) - before;
    say(`  report of ${transactionsPerDay} a day, ${pageRows} rows a page: ${result.seconds.toFixed(1)} s, ${listRequests} list requests`);
    return { transactionsPerDay, pageRows, latencyMs: SCALE.latencyMs, listRequests, ...result };
  } finally {
    await worker.stop();
    await sim.stop();
  }
}

async function sweepCase(store: ScaleSweepStore, url: string | undefined, finalRecords: number): Promise<ScaleSweepResult> {
  const sim = await SingapaySimulator.start();
  const worker = await BenchChild.start('scale worker', './scale-worker.js', { execArgv: ['--max-old-space-size=4096'] });
  try {
    const started = performance.now();
    const result = await worker.request<ScaleSweepResult>('sweep', {
      baseUrl: sim.baseUrl,
      credentials: sim.credentials,
      store,
      url,
      finalRecords,
      dueRecords: SCALE.sweeps.dueRecords,
      explain: store === 'postgres' && finalRecords === Math.max(...SCALE.sweeps.finalRecords),
    });
    say(
      `  sweep of ${result.dueRecords} due among ${finalRecords} final records (${store}): ${result.msPerDueRecord.toFixed(2)} ms a due record` +
        ` (case ${((performance.now() - started) / 1000).toFixed(0)} s with the filling)`,
    );
    return result;
  } finally {
    await worker.stop();
    await sim.stop();
  }
}

export async function measureScale(): Promise<ScaleResults> {
  // The simulator notes each list answer it delays at DEBUG: tens of thousands of lines.
  Logger.overrideLogger(['error', 'warn']);
  const reports: ScaleReportCase[] = [];
  for (const c of SCALE.reports) reports.push(await reportCase(c.transactionsPerDay, c.pageRows));
  const sweeps: ScaleSweepResult[] = [];
  const servers = await startBenchStores();
  try {
    const stores: [ScaleSweepStore, string | undefined][] = [
      ['memory', undefined],
      ...(servers.redis ? [['redis', servers.redis.url] as [ScaleSweepStore, string]] : []),
      ...(servers.postgres ? [['postgres', servers.postgres.url] as [ScaleSweepStore, string]] : []),
    ];
    for (const [store, url] of stores) for (const n of SCALE.sweeps.finalRecords) sweeps.push(await sweepCase(store, url, n));
  } finally {
    await servers.stop();
  }
  return { reports, sweeps, skippedStores: servers.skipped.map((s) => `${s.variant}: ${s.reason}`) };
}

export function renderScale(r: ScaleResults): string[] {
  const out = [
    '## 7. Scale: the daily report and the sweep at a busy merchant',
    '',
    `The simulator holds three WIB days of N transactions each (the day reported and the days either side) and answers every`,
    `list page after ${SCALE.latencyMs} ms (Singapay's real latency is likely higher); the module, in a process of its own, holds a`,
    'record for each transaction of the day in the in-memory store and runs `reconcileDay`. *Peak RSS* is that process at its',
    'largest (its records included); *before* is after the records were made, before the report.',
    '',
    '| transactions a day | rows a page | list requests | time (s) | complete | rows (matched) | RSS before / peak (MB) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of r.reports) {
    out.push(
      `| ${c.transactionsPerDay.toLocaleString('en-US')} | ${c.pageRows} | ${c.listRequests.toLocaleString('en-US')} | ${c.seconds.toFixed(1)} | ${c.complete ? 'yes' : '**no**'} | ${c.rows.toLocaleString('en-US')} (${c.matched.toLocaleString('en-US')}) | ${c.rssBeforeMb} / ${c.peakRssMb} |`,
    );
  }
  const stores = [...new Set(r.sweeps.map((s) => s.store))];
  const finals = [...new Set(r.sweeps.map((s) => s.finalRecords))];
  const cell = (store: string, n: number) =>
    r.sweeps.find((s) => s.store === store && s.finalRecords === n)?.msPerDueRecord.toFixed(2) ?? '–';
  out.push(
    '',
    `One sweep (\`sweepPayments()\`) over ${SCALE.sweeps.dueRecords} pending records due for a lookup, among many final records, in each`,
    "store (Redis and PostgreSQL on this machine's loopback; PostgreSQL with fsync off and its statistics gathered after the filling);",
    'each lookup is a detail request to the simulator. *ms a due record*, by the final records the store holds:',
    '',
    `| final records | ${stores.join(' | ')} |`,
    `|---|${stores.map(() => '---|').join('')}`,
  );
  for (const n of finals) out.push(`| ${n.toLocaleString('en-US')} | ${stores.map((st) => cell(st, n)).join(' | ')} |`);
  for (const skipped of r.skippedStores ?? []) out.push('', `Not measured: ${skipped}.`);
  const explained = r.sweeps.find((s) => s.plans);
  if (explained?.plans) {
    out.push(
      '',
      `PostgreSQL's plans for the store's statements with ${explained.finalRecords.toLocaleString('en-US')} final records in the table`,
      '(`EXPLAIN ANALYZE` of the text and values the store sent; the two writes only planned, not run):',
      '',
      '| statement | plan | execution (ms) |',
      '|---|---|---|',
    );
    for (const p of explained.plans) out.push(`| ${p.statement} | ${p.plan} | ${p.executionMs?.toFixed(3) ?? '–'} |`);
  }
  out.push('');
  return out;
}
