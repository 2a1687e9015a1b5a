// Section 7 (scale): the daily report of a busy merchant and the sweep among many final records.
// The simulator (in this process) holds three days of N transactions each and answers every list
// page after a fixed latency; the module runs in a worker process of its own, whose records hold
// the day's transactions, so that its time and peak memory are the report's.
import { Logger } from '@nestjs/common';
import { SingapaySimulator } from '../libs/singapay-simulator/src/index.js';
import { BenchChild } from './bench-ipc.js';
import { QUICK, say } from './bench-config.js';
import type { ScaleReportCase, ScaleResults } from './bench-results.js';
import type { ScaleRecords, ScaleReportResult, ScaleSweepResult } from './scale-worker.js';

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

async function sweepCase(finalRecords: number): Promise<ScaleSweepResult> {
  const sim = await SingapaySimulator.start();
  const worker = await BenchChild.start('scale worker', './scale-worker.js', { execArgv: ['--max-old-space-size=4096'] });
  try {
    const result = await worker.request<ScaleSweepResult>('sweep', {
      baseUrl: sim.baseUrl,
      credentials: sim.credentials,
      finalRecords,
      dueRecords: SCALE.sweeps.dueRecords,
    });
    say(`  sweep of ${result.dueRecords} due among ${finalRecords} final records: ${result.msPerDueRecord.toFixed(2)} ms a due record`);
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
  for (const n of SCALE.sweeps.finalRecords) sweeps.push(await sweepCase(n));
  return { reports, sweeps };
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
  out.push(
    '',
    `One sweep (\`sweepPayments()\`) over ${SCALE.sweeps.dueRecords} pending records due for a lookup, among many final records, in the`,
    'in-memory store; each lookup is a detail request to the simulator.',
    '',
    '| final records | ms a due record |',
    '|---|---|',
  );
  for (const s of r.sweeps) out.push(`| ${s.finalRecords.toLocaleString('en-US')} | ${s.msPerDueRecord.toFixed(2)} |`);
  out.push('');
  return out;
}
