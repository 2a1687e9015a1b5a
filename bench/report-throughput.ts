// The report's *Upstream* and *1. Throughput and latency* sections, with the steadiness of
// the module/axios ratio over the runs of `--repeat=N`.
import { OPERATIONS, type Operation, type Variant } from './bench-clients.js';
import type { BenchResults, ThroughputCell, ThroughputRun, UpstreamProbeRow } from './bench-results.js';
import { median } from './bench-stats.js';
import { n, pct, table } from './report-format.js';

/** Runs the throughput targets are judged over: held when the worst of them holds. */
export const STEADY_RUNS = 5;

export function cellOf(cells: readonly ThroughputCell[], operation: Operation, concurrency: number, variant: Variant): ThroughputCell {
  return cells.find((c) => c.operation === operation && c.concurrency === concurrency && c.variant === variant)!;
}

/**
 * Module calls/s over axios calls/s at `concurrency` in one run: the median of the rounds' paired
 * ratios, or (results of older runs) the ratio of the two medians.
 */
export function moduleToAxios(run: ThroughputRun, operation: Operation, concurrency = 64): number {
  const paired = run.moduleToAxios?.find((r) => r.operation === operation && r.concurrency === concurrency);
  return (
    paired?.ratio ??
    cellOf(run.cells, operation, concurrency, 'module').callsPerSecond / cellOf(run.cells, operation, concurrency, 'axios').callsPerSecond
  );
}

/** `moduleToAxios`, one per run. */
export function runRatios(runs: readonly ThroughputRun[], operation: Operation, concurrency = 64): number[] {
  return runs.map((run) => moduleToAxios(run, operation, concurrency));
}

export function steadiness(runs: readonly ThroughputRun[], operation: Operation): { ratios: number[]; min: number; median: number } {
  const ratios = runRatios(runs, operation);
  return { ratios, min: Math.min(...ratios), median: median(ratios) };
}

export function renderUpstreamProbe(rows: readonly UpstreamProbeRow[]): string[] {
  return [
    '## Upstream',
    '',
    "The same node:http client at concurrency 16 against the simulator and against the bench's minimal server. The",
    "minimal server answers the token, balance, inquiry and prepaid payment paths with the simulator's bodies, checks the",
    'partner id and the token (refusing expired ones with 401), and nothing else; it is the upstream of every section',
    'below, so that the client side is what is measured.',
    '',
    table(
      ['upstream', 'call', 'calls/s', 'upstream CPU per call (µs)'],
      rows.map((p) => [p.upstream, p.operation, n(p.callsPerSecond, 0), n(p.upstreamCpuMicrosPerCall, 1)]),
    ),
    '',
  ];
}

export function renderThroughput(r: BenchResults): string[] {
  const cells = r.throughput!;
  const runs = r.throughputRuns ?? [];
  const cellMs = (r.config as { cellMs: number }).cellMs;
  const perRun = runs.length > 0 ? cells[0].rounds / runs.length : cells[0]?.rounds;
  const out: string[] = ['## 1. Throughput and latency', ''];
  out.push(
    `Closed-loop callers (each waits for its answer before the next call), ${cellMs} ms per cell, median of ${perRun} rounds` +
      (runs.length > 1 ? `, in each of ${runs.length} runs; the tables show each cell's median over the runs.` : '.'),
    "Each variant runs in a load-client process of its own. *Event-loop µs per call* is the time the client's event loop",
    'was busy divided by the calls it completed: the cost of the client code on the one thread every call shares, which',
    'caps calls/s once that thread is saturated and moves less than calls/s when other work runs on the machine.',
    "*Process CPU* adds V8's helper threads (concurrent GC) and libuv.",
    '',
  );
  const throughputRows: (string | number)[][] = [];
  const latencyRows: (string | number)[][] = [];
  for (const op of OPERATIONS) {
    for (const c of [...new Set(cells.map((t) => t.concurrency))]) {
      const [mod, ax, raw] = (['module', 'axios', 'http'] as const).map((v) => cellOf(cells, op, c, v));
      throughputRows.push([
        op,
        c,
        `${n(mod.callsPerSecond, 0)} / ${n(ax.callsPerSecond, 0)} / ${n(raw.callsPerSecond, 0)}`,
        pct(mod.callsPerSecond / ax.callsPerSecond),
        pct(mod.callsPerSecond / raw.callsPerSecond),
        `${n(mod.loopMicrosPerCall, 0)} / ${n(ax.loopMicrosPerCall, 0)} / ${n(raw.loopMicrosPerCall, 0)}`,
        n(mod.loopMicrosPerCall - ax.loopMicrosPerCall, 0),
        `${n(mod.cpuMicrosPerCall, 0)} / ${n(ax.cpuMicrosPerCall, 0)} / ${n(raw.cpuMicrosPerCall, 0)}`,
      ]);
      latencyRows.push([
        op,
        c,
        `${n(mod.p50Ms, 3)} / ${n(ax.p50Ms, 3)} / ${n(raw.p50Ms, 3)}`,
        `${n(mod.p99Ms, 3)} / ${n(ax.p99Ms, 3)} / ${n(raw.p99Ms, 3)}`,
        n(mod.p50Ms - ax.p50Ms, 3),
        n(mod.p50Ms - raw.p50Ms, 3),
        mod.failures + ax.failures + raw.failures,
      ]);
    }
  }
  out.push(
    table(
      [
        'call',
        'concurrency',
        'calls/s module / axios / http',
        'module/axios',
        'module/http',
        'event-loop µs per call module / axios / http',
        'loop µs added vs axios',
        'process CPU µs per call module / axios / http',
      ],
      throughputRows,
    ),
    '',
    table(
      [
        'call',
        'concurrency',
        'p50 ms module / axios / http',
        'p99 ms module / axios / http',
        'added p50 vs axios (ms)',
        'added p50 vs http (ms)',
        'failed calls',
      ],
      latencyRows,
    ),
    '',
  );
  const tu = r.throughputUpstream;
  if (tu) {
    out.push(
      `During the measured rounds the upstream saw ${tu.requests.toLocaleString('en-US')} requests on ${tu.connections} new connections and ${tu.tokenRequests} token requests: every variant reuses its keep-alive sockets and its token.`,
      '',
    );
  }
  if (runs.length > 0) out.push(...renderSteadiness(runs));
  return out;
}

function renderSteadiness(runs: readonly ThroughputRun[]): string[] {
  const out = ['### Steadiness over runs', ''];
  out.push(
    runs.length === 1
      ? `Section 1 ran once (\`--repeat=1\`); the throughput targets are judged over ${STEADY_RUNS} runs (\`--repeat=${STEADY_RUNS}\`, the default of a full run).`
      : `Section 1 ran ${runs.length} times (\`--repeat=${runs.length}\`), each time with fresh load-client processes, its own warm-up and its own rounds.`,
    `The module/axios ratio of calls/s at concurrency 64, run by run; the throughput targets hold when the lowest of ${STEADY_RUNS}`,
    "runs does. A run's ratio is the median over its rounds of each round's module/axios ratio: the two variants ran back",
    'to back in a round, so a slow stretch of the shared machine lands on both. *Load at end* is the 1-minute load average',
    'when the run finished.',
    '',
  );
  const rows = runs.map((run, i) => [
    i + 1,
    ...OPERATIONS.map((op) => {
      const [mod, ax] = [cellOf(run.cells, op, 64, 'module'), cellOf(run.cells, op, 64, 'axios')];
      return `${pct(moduleToAxios(run, op))} (${n(mod.loopMicrosPerCall, 0)} / ${n(ax.loopMicrosPerCall, 0)} µs)`;
    }),
    n(run.loadAverageAtEnd[0] ?? NaN),
  ]);
  const summary = (label: string, pick: (s: ReturnType<typeof steadiness>) => number) => [
    `**${label}**`,
    ...OPERATIONS.map((op) => `**${pct(pick(steadiness(runs, op)))}**`),
    '',
  ];
  out.push(
    table(
      ['run', ...OPERATIONS.map((op) => `${op} module/axios (event-loop µs module / axios)`), 'load at end'],
      [...rows, summary('min', (s) => s.min), summary('median', (s) => s.median)],
    ),
    '',
  );
  return out;
}
