// The upstream probe and section 1: the same calls through the module, axios and node:http,
// at each concurrency, interleaved round by round; `--repeat=N` runs the whole section N times.
import os from 'node:os';
import { OPERATIONS, VARIANTS, type Operation, type Variant } from './bench-clients.js';
import { CONFIG, say, startClient, startUpstream, type Upstream } from './bench-config.js';
import type { ThroughputResult } from './bench-drive.js';
import type { BenchChild } from './bench-ipc.js';
import type { BenchResults, ThroughputCell, ThroughputRun } from './bench-results.js';
import { interleave, pairedRatio, summarise } from './bench-rounds.js';
import { moduleToAxios } from './report-throughput.js';
import { median, round } from './bench-stats.js';
import type { UpstreamStats } from './upstream-server.js';

/** Step 0: is the simulator fast enough to be the upstream? The floor client against it and against the minimal server. */
export async function probeSimulator(client: BenchChild, minimal: Upstream): Promise<BenchResults['upstreamProbe']> {
  const simulator = await startUpstream('simulator');
  const rows: BenchResults['upstreamProbe'] = [];
  try {
    for (const [kind, upstream] of [
      ['simulator', simulator],
      ['minimal', minimal],
    ] as const) {
      for (const operation of OPERATIONS) {
        const args = { target: upstream.target, variant: 'http' as Variant, operation, concurrency: 16 };
        await client.request<ThroughputResult>('throughput', { ...args, durationMs: CONFIG.warmMs });
        await upstream.child.request('reset');
        const r = await client.request<ThroughputResult>('throughput', { ...args, durationMs: CONFIG.simulatorProbeMs });
        const stats = await upstream.child.request<UpstreamStats>('stats', { reset: true });
        rows.push({
          upstream: kind,
          operation,
          callsPerSecond: round(r.callsPerSecond, 0),
          upstreamCpuMicrosPerCall: round(stats.cpuMicros / Math.max(1, stats.requests), 1),
        });
      }
    }
  } finally {
    await simulator.child.stop();
  }
  return rows;
}

/** One run of section 1, in load-client processes of its own. */
async function measureThroughputOnce(upstream: Upstream): Promise<ThroughputRun> {
  // A process per variant: no variant pays for another's garbage, heap size or JIT state.
  const workers = new Map<Variant, BenchChild>();
  try {
    for (const variant of VARIANTS) workers.set(variant, await startClient());
    const call = (variant: Variant, operation: Operation, concurrency: number, durationMs: number) =>
      workers
        .get(variant)!
        .request<ThroughputResult>('throughput', { target: upstream.target, variant, operation, concurrency, durationMs });
    // JIT and sockets warm for every variant before any round counts.
    for (const variant of VARIANTS) for (const operation of OPERATIONS) await call(variant, operation, 64, CONFIG.warmMs);
    await upstream.child.request('reset');
    const cells = OPERATIONS.flatMap((operation) => CONFIG.concurrencies.map((concurrency) => ({ operation, concurrency })));
    const samples = await interleave({
      rounds: CONFIG.rounds,
      variants: VARIANTS,
      cells,
      run: (variant, c) => call(variant, c.operation, c.concurrency, CONFIG.cellMs),
      label: (c) => `${c.operation} c=${c.concurrency}`,
      roundsOf: (c) => (c.concurrency === 64 ? CONFIG.targetRounds : CONFIG.rounds),
    });
    // Connections opened while measuring: with keep-alive working in every variant, none after the warm-up.
    const stats = await upstream.child.request<UpstreamStats>('stats', { reset: true });
    return {
      cells: cells.flatMap((cell) => VARIANTS.map((variant) => ({ ...cell, variant, ...summarise(samples(variant, cell)) }))),
      moduleToAxios: cells.map((cell) => ({ ...cell, ratio: pairedRatio(samples('module', cell), samples('axios', cell)) })),
      upstream: { requests: stats.requests, connections: stats.connections, tokenRequests: stats.tokenRequests },
      loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
    };
  } finally {
    await Promise.all([...workers.values()].map((w) => w.stop()));
  }
}

/** Each cell's median over the runs (the runs' own medians over rounds). */
function combineRuns(runs: readonly ThroughputRun[]): ThroughputCell[] {
  return runs[0].cells.map((first) => {
    const same = runs.map((r) =>
      r.cells.find((c) => c.operation === first.operation && c.concurrency === first.concurrency && c.variant === first.variant)!,
    );
    const m = (pick: (c: ThroughputCell) => number) => median(same.map(pick));
    return {
      ...first,
      callsPerSecond: m((c) => c.callsPerSecond),
      p50Ms: m((c) => c.p50Ms),
      p99Ms: m((c) => c.p99Ms),
      cpuMicrosPerCall: m((c) => c.cpuMicrosPerCall),
      loopMicrosPerCall: m((c) => c.loopMicrosPerCall),
      failures: same.reduce((n, c) => n + c.failures, 0),
      rounds: same.reduce((n, c) => n + c.rounds, 0),
    };
  });
}

/** Section 1, `CONFIG.repeat` times over. */
export async function measureThroughput(
  upstream: Upstream,
): Promise<Pick<BenchResults, 'throughput' | 'throughputRuns' | 'throughputUpstream'>> {
  const runs: ThroughputRun[] = [];
  for (let i = 0; i < CONFIG.repeat; i++) {
    if (CONFIG.repeat > 1) say(`  run ${i + 1}/${CONFIG.repeat}`);
    const run = await measureThroughputOnce(upstream);
    runs.push(run);
    if (CONFIG.repeat > 1) {
      const ratios = OPERATIONS.map((op) => `${op} ${round(100 * moduleToAxios(run, op), 1)}%`);
      say(`  run ${i + 1}: module/axios at concurrency 64: ${ratios.join(', ')}`);
    }
  }
  const sum = (pick: (r: ThroughputRun) => number) => runs.reduce((n, r) => n + pick(r), 0);
  return {
    throughput: combineRuns(runs),
    throughputRuns: runs,
    throughputUpstream: {
      requests: sum((r) => r.upstream.requests),
      connections: sum((r) => r.upstream.connections),
      tokenRequests: sum((r) => r.upstream.tokenRequests),
    },
  };
}
