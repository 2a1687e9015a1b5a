// Sections 2 and 3: a cold burst of first calls, and token rotation under steady load
// (against the minimal upstream with exact expiry, and against the simulator).
import { CONFIG, say, startUpstream, type Upstream } from './bench-config.js';
import type { BenchChild } from './bench-ipc.js';
import type { BenchResults } from './bench-results.js';
import { median, percentile } from './bench-stats.js';
import type { BurstMode, BurstResult, RotationResult } from './client-worker.js';
import type { UpstreamStats } from './upstream-server.js';

/** Section 2: 1000 first calls at once on a fresh module, against the same burst once the token (and sockets) are warm. */
export async function measureBurst(client: BenchChild, upstream: Upstream): Promise<BenchResults['burst']> {
  const modes: { variant: 'module' | 'axios'; mode: BurstMode }[] = [
    { variant: 'module', mode: 'cold' },
    { variant: 'module', mode: 'warmToken' },
    { variant: 'module', mode: 'warm' },
    { variant: 'axios', mode: 'warmToken' },
    { variant: 'axios', mode: 'warm' },
  ];
  const runs = new Map<string, { ms: number[]; tokenRequests: number[]; connections: number[]; failures: number }>();
  for (let round = 0; round < CONFIG.burst.rounds; round++) {
    for (const { variant, mode } of modes) {
      await upstream.child.request('reset');
      const r = await client.request<BurstResult>('burst', { target: upstream.target, variant, mode, size: CONFIG.burst.size });
      const stats = await upstream.child.request<UpstreamStats>('stats', { reset: true });
      if (r.failures > 0) say(`  ! burst ${variant} ${mode}: ${r.failures} failed calls (${r.firstError})`);
      const entry = runs.get(`${variant}|${mode}`) ?? { ms: [], tokenRequests: [], connections: [], failures: 0 };
      entry.ms.push(r.ms);
      entry.tokenRequests.push(stats.tokenRequests);
      entry.connections.push(stats.connections);
      entry.failures += r.failures;
      runs.set(`${variant}|${mode}`, entry);
    }
  }
  return modes.map(({ variant, mode }) => {
    const e = runs.get(`${variant}|${mode}`)!;
    return {
      variant,
      mode,
      size: CONFIG.burst.size,
      ms: median(e.ms),
      tokenRequestsPerRound: e.tokenRequests,
      connectionsPerRound: e.connections,
      failures: e.failures,
    };
  });
}

/** Section 3: steady load while 2-second tokens rotate underneath. */
export async function measureRotation(client: BenchChild): Promise<BenchResults['rotation']> {
  const { lifetimeSeconds, durationMs, concurrency, windowBeforeMs, windowAfterMs } = CONFIG.rotation;
  const upstream = await startUpstream('minimal', lifetimeSeconds);
  try {
    const r = await client.request<RotationResult>('rotation', { target: upstream.target, concurrency, durationMs });
    const stats = await upstream.child.request<UpstreamStats>('stats');
    const [first, ...renewals] = stats.tokenRequestTimes;
    const overlaps = (start: number, end: number, t: number) => start <= t + windowAfterMs && end >= t - windowBeforeMs;
    const during: number[] = [];
    const outside: number[] = [];
    let failed = 0;
    for (let i = 0; i < r.starts.length; i++) {
      failed += r.failed[i];
      const start = r.starts[i];
      const end = start + r.latencies[i];
      // Calls that waited for the very first token are the cold start, measured in section 2.
      if (first !== undefined && overlaps(start, end, first)) continue;
      (renewals.some((t) => overlaps(start, end, t)) ? during : outside).push(r.latencies[i]);
    }
    const p99 = (xs: number[]) => percentile(Float64Array.from(xs).sort(), 99);
    const p99During = p99(during);
    const p99Outside = p99(outside);
    return {
      tokenLifetimeSeconds: lifetimeSeconds,
      durationMs,
      concurrency,
      calls: r.starts.length,
      failedCalls: failed,
      ...(r.firstError ? { firstError: r.firstError } : {}),
      tokenRequests: stats.tokenRequests,
      refusedByUpstream: stats.refused,
      // Requests beyond one per call and the token requests: calls replayed after a refused token.
      replayedRequests: stats.requests - r.starts.length - stats.tokenRequests,
      callsDuringRotation: during.length,
      callsOutsideRotation: outside.length,
      p99DuringMs: p99During,
      p99OutsideMs: p99Outside,
      p99Ratio: p99During / p99Outside,
      maxDuringMs: Math.max(...during),
      window: `a call counts as "during rotation" if it overlaps [token request - ${windowBeforeMs} ms, token request + ${windowAfterMs} ms]`,
    };
  } finally {
    await upstream.child.stop();
  }
}

/**
 * Section 3b: the same load on the simulator with `tokenLifetimeSeconds: 2`. Its JWT `exp` is in whole seconds
 * (issued-at rounded down), so a token may die up to a second before its `expires_in`: this shows how the
 * module copes with a server that expires tokens early. The simulator does not time token requests, so no windows.
 */
export async function measureSimulatorRotation(client: BenchChild): Promise<BenchResults['simulatorRotation']> {
  const { lifetimeSeconds, durationMs, concurrency } = CONFIG.rotation;
  const simulator = await startUpstream('simulator', lifetimeSeconds);
  try {
    const r = await client.request<RotationResult>('rotation', { target: simulator.target, concurrency, durationMs });
    const stats = await simulator.child.request<UpstreamStats>('stats');
    const sorted = Float64Array.from(r.latencies).sort();
    return {
      calls: r.starts.length,
      failedCalls: r.failed.reduce((a, b) => a + b, 0),
      ...(r.firstError ? { firstError: r.firstError } : {}),
      tokenRequests: stats.tokenRequests,
      replayedRequests: stats.requests - r.starts.length - stats.tokenRequests,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1],
    };
  } finally {
    await simulator.child.stop();
  }
}
