// `npm run bench`: starts an upstream on 127.0.0.1, drives the module and the
// hand-written baselines against it from separate processes, and writes
// bench/results.md and bench/results.json. `--quick` shortens every phase (for
// trying the bench out, not for numbers); `--profile` records CPU profiles instead.
import autocannon from 'autocannon';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPERATIONS, VARIANTS, type Operation, type UpstreamTarget, type Variant } from './bench-clients.js';
import { BenchChild } from './bench-ipc.js';
import { renderMarkdown, type BenchResults, type ThroughputCell } from './bench-report.js';
import { median, percentile, round } from './bench-stats.js';
import { summariseCpuProfile } from './cpu-profile-summary.js';
import type { AppKind } from './app-worker.js';
import type { ThroughputResult } from './bench-drive.js';
import type { BurstMode, BurstResult, MemoryPoint, RotationResult } from './client-worker.js';
import type { UpstreamKind, UpstreamStats } from './upstream-server.js';

const flags = new Set(process.argv.slice(2));
const QUICK = flags.has('--quick');
// `--only=throughput,payments`: run just those sections (results are then printed, not written).
const ONLY = new Set(
  [...flags]
    .find((f) => f.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',') ?? [],
);
const runs = (section: string): boolean => ONLY.size === 0 || ONLY.has(section);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const CONFIG = {
  rounds: QUICK ? 2 : 5,
  cellMs: QUICK ? 300 : 800,
  warmMs: QUICK ? 200 : 600,
  concurrencies: [1, 16, 64],
  simulatorProbeMs: QUICK ? 300 : 1000,
  burst: { size: 1000, rounds: QUICK ? 1 : 3 },
  rotation: { lifetimeSeconds: 2, durationMs: QUICK ? 4000 : 10_000, concurrency: 16, windowBeforeMs: 50, windowAfterMs: 250 },
  app: { connections: [16, 64], durationSeconds: QUICK ? 1 : 2, rounds: QUICK ? 1 : 3 },
  memory: { checkpoints: QUICK ? [2_000, 10_000] : [10_000, 50_000, 100_000], concurrency: 16 },
};

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function startUpstream(kind: UpstreamKind, tokenLifetimeSeconds = 3600): Promise<{ child: BenchChild; target: UpstreamTarget }> {
  const child = await BenchChild.start(`upstream (${kind})`, './upstream-server.js', {
    env: { BENCH_UPSTREAM: kind, BENCH_TOKEN_LIFETIME_SECONDS: String(tokenLifetimeSeconds) },
  });
  return { child, target: child.ready as unknown as UpstreamTarget };
}

function startClient(execArgv: string[] = []): Promise<BenchChild> {
  return BenchChild.start('load client', './client-worker.js', { execArgv });
}

/** Step 0: is the simulator fast enough to be the upstream? The floor client against it and against the minimal server. */
async function probeSimulator(client: BenchChild, minimal: { child: BenchChild; target: UpstreamTarget }) {
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

/** Section 1: the same calls through the module, axios and node:http, at each concurrency, interleaved round by round. */
async function measureThroughput(upstream: {
  child: BenchChild;
  target: UpstreamTarget;
}): Promise<{ cells: ThroughputCell[]; upstream: UpstreamStats }> {
  // A process per variant: no variant pays for another's garbage, heap size or JIT state.
  const workers = new Map<Variant, BenchChild>();
  for (const variant of VARIANTS) workers.set(variant, await startClient());
  try {
    return await measureThroughputWith(workers, upstream);
  } finally {
    await Promise.all([...workers.values()].map((w) => w.stop()));
  }
}

async function measureThroughputWith(
  workers: Map<Variant, BenchChild>,
  upstream: { child: BenchChild; target: UpstreamTarget },
): Promise<{ cells: ThroughputCell[]; upstream: UpstreamStats }> {
  const samples = new Map<string, ThroughputResult[]>();
  const key = (v: Variant, o: Operation, c: number) => `${v}|${o}|${c}`;
  // JIT and sockets warm for every variant before any round counts.
  for (const variant of VARIANTS) {
    for (const operation of OPERATIONS) {
      await workers
        .get(variant)!
        .request('throughput', { target: upstream.target, variant, operation, concurrency: 64, durationMs: CONFIG.warmMs });
    }
  }
  await upstream.child.request('reset');
  for (let round = 0; round < CONFIG.rounds; round++) {
    // Rotate the order each round, so no variant always runs first (or right after the heaviest one).
    const variants = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
    for (const operation of OPERATIONS) {
      for (const concurrency of CONFIG.concurrencies) {
        for (const variant of variants) {
          const r = await workers.get(variant)!.request<ThroughputResult>('throughput', {
            target: upstream.target,
            variant,
            operation,
            concurrency,
            durationMs: CONFIG.cellMs,
          });
          if (r.failures > 0) say(`  ! ${variant} ${operation} c=${concurrency}: ${r.failures} failed calls (${r.firstError})`);
          const list = samples.get(key(variant, operation, concurrency)) ?? [];
          list.push(r);
          samples.set(key(variant, operation, concurrency), list);
        }
      }
    }
    say(`  round ${round + 1}/${CONFIG.rounds} done`);
  }
  const cells: ThroughputCell[] = [];
  for (const operation of OPERATIONS) {
    for (const concurrency of CONFIG.concurrencies) {
      for (const variant of VARIANTS) {
        const list = samples.get(key(variant, operation, concurrency))!;
        cells.push({
          operation,
          concurrency,
          variant,
          callsPerSecond: median(list.map((r) => r.callsPerSecond)),
          p50Ms: median(list.map((r) => r.p50)),
          p99Ms: median(list.map((r) => r.p99)),
          cpuMicrosPerCall: median(list.map((r) => r.cpuMicrosPerCall)),
          loopMicrosPerCall: median(list.map((r) => r.loopMicrosPerCall)),
          failures: list.reduce((n, r) => n + r.failures, 0),
          rounds: list.length,
        });
      }
    }
  }
  // Connections opened while measuring: with keep-alive working in every variant, none after the warm-up.
  return { cells, upstream: await upstream.child.request<UpstreamStats>('stats', { reset: true }) };
}

/** Section 2: 1000 first calls at once on a fresh module, against the same burst once the token (and sockets) are warm. */
async function measureBurst(client: BenchChild, upstream: { child: BenchChild; target: UpstreamTarget }): Promise<BenchResults['burst']> {
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
async function measureRotation(client: BenchChild): Promise<BenchResults['rotation']> {
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
async function measureSimulatorRotation(client: BenchChild): Promise<BenchResults['simulatorRotation']> {
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

/** Section 4: autocannon against GET /balance of the sample app and of a bare Nest app that calls upstream by hand. */
async function measureApps(target: UpstreamTarget): Promise<BenchResults['apps']> {
  const apps = new Map<AppKind, BenchChild>();
  const rows: BenchResults['apps'] = [];
  try {
    for (const kind of ['sample', 'bare'] as const) {
      apps.set(
        kind,
        await BenchChild.start(`${kind} app`, './app-worker.js', {
          env: { BENCH_APP: kind, BENCH_TARGET: JSON.stringify(target) },
          execArgv: ['--import', fileURLToPath(new URL('./register-alias-hooks.js', import.meta.url))],
        }),
      );
    }
    const url = (kind: AppKind) => `${apps.get(kind)!.ready.url as string}/balance`;
    for (const kind of apps.keys()) await autocannon({ url: url(kind), connections: 16, duration: 1 });
    const samples = new Map<string, { rps: number[]; p50: number[]; p99: number[]; errors: number }>();
    for (let round = 0; round < CONFIG.app.rounds; round++) {
      for (const connections of CONFIG.app.connections) {
        const order: AppKind[] = round % 2 === 0 ? ['sample', 'bare'] : ['bare', 'sample'];
        for (const kind of order) {
          const r = await autocannon({ url: url(kind), connections, duration: CONFIG.app.durationSeconds });
          const entry = samples.get(`${kind}|${connections}`) ?? { rps: [], p50: [], p99: [], errors: 0 };
          entry.rps.push(r['2xx'] / r.duration);
          entry.p50.push(r.latency.p50);
          entry.p99.push(r.latency.p99);
          entry.errors += r.errors + r.timeouts + r.non2xx;
          samples.set(`${kind}|${connections}`, entry);
        }
      }
    }
    for (const connections of CONFIG.app.connections) {
      for (const kind of ['sample', 'bare'] as const) {
        const e = samples.get(`${kind}|${connections}`)!;
        rows.push({
          app: kind,
          connections,
          requestsPerSecond: median(e.rps),
          p50Ms: median(e.p50),
          p99Ms: median(e.p99),
          errors: e.errors,
        });
      }
    }
  } finally {
    await Promise.all([...apps.values()].map((app) => app.stop()));
  }
  return rows;
}

/** Section 5: heap and RSS of a fresh process after 10k and 100k calls, garbage collected first. */
async function measureMemory(target: UpstreamTarget): Promise<MemoryPoint[]> {
  const worker = await startClient(['--expose-gc']);
  try {
    return await worker.request<MemoryPoint[]>('memory', { target, ...CONFIG.memory });
  } finally {
    await worker.stop();
  }
}

function machine(): BenchResults['machine'] {
  const cpus = os.cpus();
  return {
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryGb: round(os.totalmem() / 1024 ** 3, 1),
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

async function runBench(): Promise<void> {
  const started = performance.now();
  const results: Partial<BenchResults> = { date: new Date().toISOString(), quick: QUICK, machine: machine(), config: CONFIG };
  say(
    `nestjs-singapay bench${QUICK ? ' (quick: not for numbers)' : ''}: ${results.machine!.cpuCount} CPUs (${results.machine!.cpuModel}), Node ${process.version}`,
  );
  const minimal = await startUpstream('minimal');
  const client = await startClient();
  try {
    if (runs('upstream')) {
      say("▸ upstream: simulator vs the bench's minimal server (node:http client, concurrency 16)");
      results.upstreamProbe = await probeSimulator(client, minimal);
    }
    results.upstream = 'minimal';
    if (runs('throughput')) {
      say('▸ 1. throughput and latency: module vs axios vs node:http');
      const throughput = await measureThroughput(minimal);
      results.throughput = throughput.cells;
      results.throughputUpstream = {
        requests: throughput.upstream.requests,
        connections: throughput.upstream.connections,
        tokenRequests: throughput.upstream.tokenRequests,
      };
    }
    if (runs('burst')) {
      say('▸ 2. cold burst of 1000 first calls');
      results.burst = await measureBurst(client, minimal);
    }
    if (runs('rotation')) {
      say('▸ 3. token rotation under load (2 s tokens, 10 s)');
      results.rotation = await measureRotation(client);
      results.simulatorRotation = await measureSimulatorRotation(client);
    }
    if (runs('apps')) {
      say('▸ 4. sample app vs bare Nest app under autocannon');
      results.apps = await measureApps(minimal.target);
    }
    if (runs('memory')) {
      say('▸ 5. memory after 10k vs 100k calls');
      results.memory = await measureMemory(minimal.target);
    }
  } finally {
    await client.stop();
    await minimal.child.stop();
  }
  results.wallClockSeconds = round((performance.now() - started) / 1000, 1);
  // Other work on the machine slows every variant alike (rounds interleave them) but widens the spread: say how busy it was.
  results.machine!.loadAverageAtEnd = os.loadavg().map((l) => round(l, 2));
  const full = results as BenchResults;
  if (ONLY.size > 0) {
    say(JSON.stringify(full.throughput ?? full, null, 2));
    return;
  }
  const markdown = renderMarkdown(full);
  if (!QUICK) {
    writeFileSync(join(ROOT, 'bench/results.md'), markdown);
    writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(full, null, 2)}\n`);
  }
  say('');
  say(markdown);
  say(QUICK ? '(quick run: results not written)' : 'written to bench/results.md and bench/results.json');
}

/**
 * `--profile`: a CPU profile (`--cpu-prof`) of each variant and call under the same load, cut to the measured
 * window (no start-up, no warm-up), summarised per call, and written to bench/profile.md.
 */
async function runProfile(): Promise<void> {
  const minimal = await startUpstream('minimal');
  const lines: string[] = [
    '# CPU profiles (`npm run bench -- --profile`)',
    '',
    `${machine().cpuCount} CPUs, Node ${process.version}. One load-client process per variant and call, run with \`--cpu-prof\`:`,
    'concurrency 64, 1 s of warm-up, then 3 s profiled against the minimal upstream. Costs are CPU time of the client',
    "process's main thread per completed call (µs), from the samples inside the profiled 3 s; the profiler itself adds some.",
    '',
  ];
  try {
    for (const operation of OPERATIONS) {
      for (const variant of ['module', 'axios'] as const) {
        const dir = mkdtempSync(join(os.tmpdir(), 'singapay-cpuprof-'));
        const worker = await startClient(['--cpu-prof', '--cpu-prof-dir', dir]);
        const args = { target: minimal.target, variant, operation, concurrency: 64 };
        await worker.request('throughput', { ...args, durationMs: 1000 });
        const r = await worker.request<ThroughputResult>('throughput', { ...args, durationMs: 3000 });
        await worker.stop();
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
        const s = summariseCpuProfile(join(dir, file), { window: r.window, calls: r.calls });
        rmSync(dir, { recursive: true, force: true });
        const perCall = (f: { microsPerCall: number; pct: number }) => `${round(f.microsPerCall, 1)} µs (${f.pct}%)`;
        lines.push(
          `## ${operation}, ${variant}`,
          '',
          `${round(r.callsPerSecond, 0)} calls/s, ${round(r.loopMicrosPerCall, 0)} µs event-loop time and ${round(r.cpuMicrosPerCall, 0)} µs process CPU per call, ${round((s.busyMs * 1000) / r.calls, 0)} µs busy per call in the profile.`,
          '',
          `By component (self time per call): ${s.components.map((c) => `${c.frame} ${perCall(c)}`).join(', ')}.`,
          '',
        );
        if (variant === 'module') {
          lines.push(
            `With a module frame anywhere on the stack: ${perCall(s.moduleInclusive)}.`,
            '',
            '| module function (inclusive) | per call |',
            '|---|---|',
          );
          for (const f of s.moduleFunctions) lines.push(`| \`${f.frame}\` | ${perCall(f)} |`);
          lines.push('');
        }
        lines.push('| top frames (self) | per call |', '|---|---|');
        for (const f of s.top) lines.push(`| \`${f.frame}\` | ${perCall(f)} |`);
        lines.push('');
        say(`  profiled ${operation} ${variant}`);
      }
    }
  } finally {
    await minimal.child.stop();
  }
  const text = lines.join('\n');
  writeFileSync(join(ROOT, 'bench/profile.md'), `${text}\n`);
  say(text);
  say('written to bench/profile.md');
}

try {
  await (flags.has('--profile') ? runProfile() : runBench());
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
