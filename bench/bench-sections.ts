// The runner's side of `npm run bench`: its flags and phase lengths, its child processes, the interleaved rounds, and
// each section, which returns its part of bench/results.json.
import { Logger } from '@nestjs/common';
import autocannon from 'autocannon';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { SingapaySimulator } from '../libs/singapay-simulator/src/index.js';
import { migrateSingapayPostgres } from '../libs/singapay/src/postgres/postgres-schema.js';
import { postgresAvailable, startPostgres } from '../test/support/postgres-server.js';
import { redisAvailable, startRedis } from '../test/support/redis-server.js';
import { median, OPERATIONS, PAYMENT_PRODUCT, PAYMENT_VARIANTS, percentile, round, sorted, startChild, sum } from './bench-util.js';
import { VARIANTS, type BenchChild, type Operation, type PaymentVariant, type UpstreamTarget } from './bench-util.js';
import type { Answer, Drive, SweepStore, Tally } from './bench-worker.js';
import type { UpstreamStats } from './upstream-server.js';

const flags = process.argv.slice(2);
const value = (name: string) => flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3);
export const QUICK = flags.includes('--quick');
export const PROFILE = flags.includes('--profile');
export const ONLY = new Set(value('only')?.split(',') ?? []);
export const runs = (section: string): boolean => ONLY.size === 0 || ONLY.has(section);
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const concurrencies = [1, 16, 64];
export const CONFIG = {
  rounds: QUICK ? 2 : 5,
  /** Rounds at concurrency 64, where the throughput targets are judged. */
  targetRounds: QUICK ? 2 : 9,
  cellMs: QUICK ? 300 : 800,
  warmMs: QUICK ? 200 : 600,
  concurrencies,
  /** `--repeat=N`: section 1 N times over, with fresh processes; the throughput targets hold if the worst run does. */
  repeat: Number(value('repeat') ?? (QUICK ? 1 : 5)),
  simulatorProbeMs: QUICK ? 300 : 1000,
  burst: { size: 1000, rounds: QUICK ? 1 : 3 },
  rotation: { lifetimeSeconds: 2, durationMs: QUICK ? 4000 : 10_000, concurrency: 16, windowBeforeMs: 50, windowAfterMs: 250 },
  app: { connections: [16, 64], durationSeconds: QUICK ? 1 : 2, rounds: QUICK ? 1 : 3 },
  memory: { checkpoints: QUICK ? [2_000, 10_000] : [10_000, 50_000, 100_000], concurrency: 16 },
  payments: { rounds: QUICK ? 2 : 5, cellMs: QUICK ? 300 : 800, warmMs: QUICK ? 300 : 800, concurrencies, postgresPoolSize: 10 },
};

/** Section 7: list pages answered after `latencyMs`; 10 rows a page as documented, 100 where Singapay honours `per_page`. */
const SCALE = {
  latencyMs: 50,
  /** [transactions a day, rows a page]: the last case at 100 rows a page. */
  reports: (QUICK ? [1_000, 10_000] : [1_000, 10_000, 100_000, 100_000]).map((n, i, all) => [n, i === all.length - 1 ? 100 : 10]),
  sweeps: { finalRecords: QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000], dueRecords: 100 },
};

export const say = (line: string): void => void process.stdout.write(`${line}\n`);
export const loadAverage = (): number[] => os.loadavg().map((l) => round(l, 2));
export function machine() {
  const [cpus, platform] = [os.cpus(), `${os.platform()} ${os.release()} ${os.arch()}`];
  const totalMemoryGb = round(os.totalmem() / 1024 ** 3, 1);
  const [cpuCount, availableParallelism, cpuModel] = [cpus.length, os.availableParallelism(), cpus[0]?.model.trim() ?? 'unknown'];
  return { cpuCount, availableParallelism, cpuModel, node: process.version, platform, totalMemoryGb, loadAverageAtStart: loadAverage() };
}

type Stoppable = { stop(): Promise<unknown> };
export async function startUpstream(kind: 'minimal' | 'simulator', tokenLifetimeSeconds = 3600) {
  const env = { BENCH_UPSTREAM: kind, BENCH_TOKEN_LIFETIME_SECONDS: String(tokenLifetimeSeconds) };
  const child = await startChild(`upstream (${kind})`, './upstream-server.js', { env });
  return { ...child, target: child.ready as unknown as UpstreamTarget };
}
export type Upstream = Awaited<ReturnType<typeof startUpstream>>;
export const startWorker = (execArgv: string[] = [], name = 'load client') => startChild(name, './bench-worker.js', { execArgv });
const stats = (u: Upstream, reset = true) => u.request<UpstreamStats>('stats', { reset });
/** Runs `work`, then stops what is in `started` (it may add to it) in reverse order, whatever happened. */
export async function stopAfter<T>(started: Stoppable[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    for (const child of started.reverse()) await child.stop();
  }
}

/** Medians over rounds (`rounds` adds up the runs' rounds when the list holds cells already reduced). */
const MEDIANS = ['callsPerSecond', 'p50Ms', 'p99Ms', 'cpuMicrosPerCall', 'loopMicrosPerCall'] as const;
function summarise(list: readonly (Pick<Drive, (typeof MEDIANS)[number] | 'failures'> & { rounds?: number })[]) {
  const medians = Object.fromEntries(MEDIANS.map((k) => [k, median(list.map((r) => r[k]))])) as Record<(typeof MEDIANS)[number], number>;
  return { ...medians, failures: sum(list.map((r) => r.failures)), rounds: sum(list.map((r) => r.rounds ?? 1)) };
}

/**
 * Interleaved rounds: each round runs every variant on every cell, in an order rotated from round to round (no variant
 * always first, or always after the heaviest), so a slow moment of the machine lands on all variants alike.
 */
async function interleave<V extends string, C, R>(
  variants: readonly V[],
  cells: readonly C[],
  rounds: number | ((cell: C) => number),
  run: (variant: V, cell: C) => Promise<R>,
): Promise<(variant: V, cell: C) => R[]> {
  const roundsOf = typeof rounds === 'number' ? () => rounds : rounds;
  const samples = new Map(cells.map((c) => [c, new Map(variants.map((v) => [v, [] as R[]]))]));
  const total = Math.max(...cells.map(roundsOf));
  for (let round = 0; round < total; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const cell of cells.filter((c) => round < roundsOf(c))) {
      for (const variant of order) {
        const r = await run(variant, cell);
        const { failures, firstError } = r as { failures?: number; firstError?: string };
        if (failures) say(`  ! ${variant} ${JSON.stringify(cell)}: ${failures} failed calls (${firstError})`);
        samples.get(cell)!.get(variant)!.push(r);
      }
    }
    say(`  round ${round + 1}/${total} done`);
  }
  return (variant, cell) => samples.get(cell)!.get(variant)!;
}

/**
 * The median over rounds of one variant's calls/s over another's in the same round: the two ran back to back, so a
 * slow stretch of the machine (seconds long on a shared VM) lands on both, which a ratio of two medians does not cancel.
 */
const pairedRatio = (a: readonly Drive[], b: readonly Drive[]): number => median(a.map((r, i) => r.callsPerSecond / b[i].callsPerSecond));

const ADMIN_COMMANDS = new Set(['INFO', 'CONFIG', 'CONFIG|RESETSTAT', 'CONFIG|SET', 'CONFIG|GET', 'CLIENT', 'HELLO', 'PING']);

/** Throw-away servers from the test suite's helpers, on loopback: a store whose server is missing is skipped, saying why. */
export async function startBenchStores() {
  const [skipped, servers]: [{ variant: PaymentVariant; reason: string }[], Stoppable[]] = [[], []];
  const start = async <T>(variant: PaymentVariant, name: string, missing: string | undefined, up: () => Promise<T>) => {
    if (missing) return void skipped.push({ variant, reason: missing });
    try {
      return await up();
    } catch (error) {
      const why = (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 200);
      skipped.push({ variant, reason: `${name} did not start: ${why}` });
    }
  };
  const redis = await start('module-redis', 'redis-server', redisAvailable ? undefined : 'redis-server is not on PATH', async () => {
    const server = await startRedis();
    servers.push(server);
    const admin = await server.client();
    const version = `redis-server ${/redis_version:(\S+)/.exec(await admin.info('server'))?.[1]}`;
    // Calls and server time (µs) per command since the reset, commands run by scripts included, not the admin connection's.
    const commandStats = async () =>
      [...(await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)]
        .map(([, name, calls, usec]) => [name.toUpperCase(), Number(calls), Number(usec)] as const)
        .filter(([name]) => !ADMIN_COMMANDS.has(name));
    return { url: server.url, version, resetStats: () => admin.config('RESETSTAT'), commandStats };
  });
  const noPostgres = postgresAvailable ? undefined : 'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin';
  const postgres = await start('module-postgres', 'PostgreSQL', noPostgres, async () => {
    const server = await startPostgres();
    servers.push(server);
    await server.createDatabase('singapay_bench');
    const pool = server.pool('singapay_bench', { max: 1 });
    await migrateSingapayPostgres(pool);
    const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
    return { url: server.urlFor('singapay_bench'), version: `PostgreSQL ${rows[0]?.server_version}` };
  });
  for (const s of skipped) say(`  - ${s.variant} skipped: ${s.reason}`);
  const variants = PAYMENT_VARIANTS.filter((v) => !skipped.some((s) => s.variant === v));
  return { redis, postgres, skipped, variants, stop: () => Promise.all(servers.map((s) => s.stop())) };
}

type Context = { client: BenchChild; minimal: Upstream };

/** Is the simulator fast enough to be the upstream? The node:http client at concurrency 16 against it and the minimal server. */
async function probeUpstream({ client, minimal }: Context) {
  const simulator = await startUpstream('simulator');
  return stopAfter([simulator], async () => {
    const rows = [];
    for (const [upstream, u] of [['simulator', simulator] as const, ['minimal', minimal] as const]) {
      for (const operation of OPERATIONS) {
        const args = { target: u.target, variant: 'http', operation, concurrency: 16 };
        await client.request('throughput', { ...args, durationMs: CONFIG.warmMs });
        await u.request('reset');
        const r = await client.request<Drive>('throughput', { ...args, durationMs: CONFIG.simulatorProbeMs });
        const s = await stats(u);
        const upstreamCpuMicrosPerCall = round(s.cpuMicros / Math.max(1, s.requests), 1);
        rows.push({ upstream, operation, callsPerSecond: round(r.callsPerSecond, 0), upstreamCpuMicrosPerCall });
      }
    }
    return { upstreamProbe: rows };
  });
}

/** One run of section 1: a load-client process per variant, so none pays for another's garbage, heap or JIT state. */
async function throughputRun(upstream: Upstream) {
  const workers: BenchChild[] = [];
  return stopAfter(workers, async () => {
    for (const _ of VARIANTS) workers.push(await startWorker());
    type Cell = { operation: Operation; concurrency: number };
    const call = (variant: (typeof VARIANTS)[number], cell: Cell, durationMs: number) =>
      workers[VARIANTS.indexOf(variant)].request<Drive>('throughput', { target: upstream.target, variant, ...cell, durationMs });
    // JIT and sockets warm in every variant before any round counts.
    for (const variant of VARIANTS) for (const operation of OPERATIONS) await call(variant, { operation, concurrency: 64 }, CONFIG.warmMs);
    await upstream.request('reset');
    const cells: Cell[] = OPERATIONS.flatMap((operation) => CONFIG.concurrencies.map((concurrency) => ({ operation, concurrency })));
    const rounds = (c: Cell) => (c.concurrency === 64 ? CONFIG.targetRounds : CONFIG.rounds);
    const samples = await interleave(VARIANTS, cells, rounds, (v, c) => call(v, c, CONFIG.cellMs));
    // With keep-alive working in every variant, no connection opens after the warm-up.
    const { requests, connections, tokenRequests } = await stats(upstream);
    return {
      cells: cells.flatMap((cell) => VARIANTS.map((variant) => ({ ...cell, variant, ...summarise(samples(variant, cell)) }))),
      moduleToAxios: cells.map((cell) => ({ ...cell, ratio: pairedRatio(samples('module', cell), samples('axios', cell)) })),
      upstream: { requests, connections, tokenRequests },
      loadAverageAtEnd: loadAverage(),
    };
  });
}

async function measureThroughput({ minimal }: Context) {
  const runs: Awaited<ReturnType<typeof throughputRun>>[] = [];
  for (let i = 1; i <= CONFIG.repeat; i++) {
    const run = await throughputRun(minimal);
    runs.push(run);
    const at64 = run.moduleToAxios.filter((r) => r.concurrency === 64).map((r) => `${r.operation} ${round(100 * r.ratio, 1)}%`);
    say(`  run ${i}/${CONFIG.repeat} done: module/axios at concurrency 64: ${at64.join(', ')}`);
  }
  const total = (key: 'requests' | 'connections' | 'tokenRequests') => sum(runs.map((r) => r.upstream[key]));
  return {
    throughput: runs[0].cells.map((first, i) => ({ ...first, ...summarise(runs.map((r) => r.cells[i])) })),
    throughputRuns: runs,
    throughputUpstream: { requests: total('requests'), connections: total('connections'), tokenRequests: total('tokenRequests') },
  };
}

async function measureBurst({ client, minimal }: Context) {
  const { size, rounds } = CONFIG.burst;
  const modes = ['module cold', 'module warmToken', 'module warm', 'axios warmToken', 'axios warm'].map(
    (m) => m.split(' ') as ['module' | 'axios', 'cold' | 'warmToken' | 'warm'],
  );
  const samples = modes.map(() => [] as (Answer<'burst'> & UpstreamStats)[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, [variant, mode]] of modes.entries()) {
      await minimal.request('reset');
      const r = await client.request<Answer<'burst'>>('burst', { target: minimal.target, variant, mode, size });
      samples[i].push({ ...r, ...(await stats(minimal)) });
      if (r.failures > 0) say(`  ! burst ${variant} ${mode}: ${r.failures} failed calls (${r.firstError})`);
    }
  }
  const burst = modes.map(([variant, mode], i) => {
    const of = (key: 'ms' | 'failures' | 'tokenRequests' | 'connections') => samples[i].map((s) => s[key]);
    const [tokenRequestsPerRound, connectionsPerRound] = [of('tokenRequests'), of('connections')];
    return { variant, mode, size, ms: median(of('ms')), tokenRequestsPerRound, connectionsPerRound, failures: sum(of('failures')) };
  });
  return { burst };
}

/** On the minimal upstream, which expires tokens to the millisecond, and on the simulator. */
async function measureRotation({ client }: Context) {
  const { lifetimeSeconds, durationMs, concurrency, windowBeforeMs, windowAfterMs } = CONFIG.rotation;
  const load = async (kind: 'minimal' | 'simulator') => {
    const upstream = await startUpstream(kind, lifetimeSeconds);
    return stopAfter([upstream], async () => {
      const r = await client.request<Answer<'rotation'>>('rotation', { target: upstream.target, concurrency, durationMs });
      const s = await stats(upstream, false);
      const common = { calls: r.starts.length, failedCalls: r.failures, firstError: r.firstError, tokenRequests: s.tokenRequests };
      // Requests beyond one per call and the token requests: calls replayed after a refused token.
      return { r, s, common: { ...common, replayedRequests: s.requests - r.starts.length - s.tokenRequests } };
    });
  };
  const { r, s, common } = await load('minimal');
  const [first, ...renewals] = s.tokenRequestTimes;
  const overlaps = (start: number, end: number, t: number) => start <= t + windowAfterMs && end >= t - windowBeforeMs;
  const [during, outside]: number[][] = [[], []];
  for (const [i, start] of r.starts.entries()) {
    const end = start + r.latencies[i];
    // Calls that waited for the very first token are the cold start, section 2's.
    if (first !== undefined && overlaps(start, end, first)) continue;
    (renewals.some((t) => overlaps(start, end, t)) ? during : outside).push(r.latencies[i]);
  }
  const [p99DuringMs, p99OutsideMs] = [percentile(sorted(during), 99), percentile(sorted(outside), 99)];
  const window = `a call counts as "during rotation" if it overlaps [token request - ${windowBeforeMs} ms, token request + ${windowAfterMs} ms]`;
  const counted = { ...common, refusedByUpstream: s.refused, callsDuringRotation: during.length, callsOutsideRotation: outside.length };
  const latency = { p99DuringMs, p99OutsideMs, p99Ratio: p99DuringMs / p99OutsideMs, maxDuringMs: Math.max(...during), window };
  const rotation = { tokenLifetimeSeconds: lifetimeSeconds, durationMs, concurrency, ...counted, ...latency };
  // The simulator's JWT `exp` is in whole seconds, so a token may die up to a second early: the module's replay shows.
  const sim = await load('simulator');
  const all = sorted(sim.r.latencies);
  const simulatorRotation = { ...sim.common, p50Ms: percentile(all, 50), p99Ms: percentile(all, 99), maxMs: all[all.length - 1] };
  return { rotation, simulatorRotation };
}

async function measureApps({ minimal }: Context) {
  const kinds = ['sample', 'bare'] as const;
  // Every route of the sample but health, docs and the callback takes this key as X-Api-Key.
  const apiKey = 'bench-sample-api-key';
  const apps: BenchChild[] = [];
  return stopAfter(apps, async () => {
    for (const kind of kinds) apps.push(await startWorker([], `${kind} app`));
    const urls: string[] = [];
    for (const [i, kind] of kinds.entries()) urls.push(await apps[i].request<string>('app', { target: minimal.target, kind, apiKey }));
    const load = (kind: (typeof kinds)[number], connections: number, duration = CONFIG.app.durationSeconds) =>
      autocannon({ url: `${urls[kinds.indexOf(kind)]}/balance`, connections, duration, headers: { 'x-api-key': apiKey } });
    for (const kind of kinds) await load(kind, 16, 1);
    const samples = await interleave(kinds, CONFIG.app.connections, CONFIG.app.rounds, (kind, connections) => load(kind, connections));
    const rows = CONFIG.app.connections.flatMap((connections) =>
      kinds.map((app) => {
        const list = samples(app, connections);
        const m = (pick: (r: (typeof list)[number]) => number) => median(list.map(pick));
        const [requestsPerSecond, errors] = [m((r) => r['2xx'] / r.duration), sum(list.map((r) => r.errors + r.timeouts + r.non2xx))];
        return { app, connections, requestsPerSecond, p50Ms: m((r) => r.latency.p50), p99Ms: m((r) => r.latency.p99), errors };
      }),
    );
    return { apps: rows };
  });
}

/** In a fresh process, so the heap holds nothing but the module's. */
async function measureMemory({ minimal }: Context) {
  const worker = await startWorker(['--expose-gc']);
  const memory = await stopAfter([worker], () => worker.request<Answer<'memory'>>('memory', { target: minimal.target, ...CONFIG.memory }));
  return { memory };
}

const per = (counts: Record<string, number>, by: number) =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / Math.max(1, by)]));
const add = (into: Record<string, number>, counts: Record<string, number>) => {
  for (const [k, v] of Object.entries(counts)) into[k] = (into[k] ?? 0) + v;
};

async function measurePayments({ minimal }: Context) {
  const { rounds, cellMs, warmMs, concurrencies, postgresPoolSize } = CONFIG.payments;
  say('  starting the stores: a throw-away redis-server and PostgreSQL cluster on loopback');
  const stores = await startBenchStores();
  const { variants } = stores;
  const started: Stoppable[] = [stores];
  return stopAfter(started, async () => {
    for (const variant of variants) started.push(await startWorker([], `payment client (${variant})`));
    const workers = started.slice(1) as BenchChild[];
    const args = { target: minimal.target, redisUrl: stores.redis?.url, postgresUrl: stores.postgres?.url, postgresPoolSize };
    const call = (variant: PaymentVariant, concurrency: number, durationMs: number) =>
      workers[variants.indexOf(variant)].request<Answer<'payments'>>('payments', { ...args, variant, concurrency, durationMs });
    // JIT, sockets and the store connections (the whole pool) warm before any round counts.
    for (const variant of variants) await call(variant, Math.max(...concurrencies), warmMs);
    await minimal.request('reset');
    await stores.redis?.resetStats();
    const samples = await interleave(variants, concurrencies, rounds, (v, c) => call(v, c, cellMs));
    const seen = await stats(minimal);
    const redisCommands = await stores.redis?.commandStats();
    const cells = concurrencies.flatMap((concurrency) =>
      variants.map((variant) => {
        const list = samples(variant, concurrency);
        const payments = sum(list.map((r) => r.calls + r.failures));
        const total: Tally = { storeCalls: {}, roundTrips: {} };
        for (const r of list) for (const k of ['storeCalls', 'roundTrips'] as const) add(total[k], r.tally[k]);
        const perPayment = { storeCalls: per(total.storeCalls, payments), roundTrips: per(total.roundTrips, payments) };
        return { variant, concurrency, ...summarise(list), payments, perPayment };
      }),
    );
    const redisCells = cells.filter((c) => c.variant === 'module-redis');
    const redisPayments = sum(redisCells.map((c) => c.payments));
    // redis-server's time in the commands the client sent (a script's own calls are inside its EVALSHA's time).
    const sent = new Set(redisCells.flatMap((c) => Object.keys(c.perPayment.roundTrips)));
    const redisServer = redisCommands && {
      commandsPerPayment: per(Object.fromEntries(redisCommands.map(([name, calls]) => [name, calls])), redisPayments),
      microsPerPayment: sum(redisCommands.filter(([name]) => sent.has(name)).map(([, , usec]) => usec)) / redisPayments,
    };
    const servers = { redis: stores.redis?.version, postgres: stores.postgres?.version };
    const upstream = { paymentRequests: seen.payments, paymentsMade: sum(cells.map((c) => c.payments)) };
    const redis = redisServer && redisPayments > 0 ? { redisServer } : {};
    return { payments: { product: { ...PAYMENT_PRODUCT }, cells, skipped: stores.skipped, ...redis, servers, postgresPoolSize, upstream } };
  });
}

const [DAY, WIB] = [24 * 3_600_000, 7 * 3_600_000];

/** The daily report: the simulator (in this process) holds three WIB days, the one reported three days back. */
async function reportCase(perDay: number, pageRows: number) {
  const sim = await SingapaySimulator.start({ variants: { listPerPage: pageRows === 10 ? 'ignored' : 'honoured' } });
  const worker = await startWorker(['--expose-gc'], 'scale worker');
  return stopAfter([sim, worker], async () => {
    const startMs = Math.floor((Date.now() + WIB) / DAY) * DAY - WIB - 3 * DAY;
    for (const d of [-1, 0, 1]) sim.seedTransactions({ count: perDay, fromMs: startMs + d * DAY, toMs: startMs + (d + 1) * DAY });
    const day = sim.transactions().filter((t) => t.createdAt >= startMs && t.createdAt < startMs + DAY);
    const column = <K extends keyof (typeof day)[number]>(key: K) => day.map((t) => t[key]);
    const records = { transactionIds: column('transactionId'), customerIds: column('customerId'), createdAt: column('createdAt') };
    sim.faults.add({ endpoint: 'list', fault: { kind: 'latency', ms: SCALE.latencyMs } });
    const listed = () => sim.stats().requests['/api/v1/list-bill-transaction'] ?? 0;
    const before = listed();
    const date = new Date(startMs + WIB).toISOString().slice(0, 10);
    const result = await worker.request<Answer<'report'>>('report', { baseUrl: sim.baseUrl, credentials: sim.credentials, date, records });
    const listRequests = listed() - before;
    say(`  report of ${perDay} a day, ${pageRows} rows a page: ${result.seconds.toFixed(1)} s, ${listRequests} list requests`);
    return { transactionsPerDay: perDay, pageRows, latencyMs: SCALE.latencyMs, listRequests, ...result };
  });
}

async function sweepCase(store: SweepStore, url: string | undefined, finalRecords: number) {
  const sim = await SingapaySimulator.start();
  const worker = await startWorker(['--max-old-space-size=4096'], 'scale worker');
  return stopAfter([sim, worker], async () => {
    const started = performance.now();
    const { dueRecords } = SCALE.sweeps;
    const explain = store === 'postgres' && finalRecords === Math.max(...SCALE.sweeps.finalRecords);
    const args = { baseUrl: sim.baseUrl, credentials: sim.credentials, store, url, finalRecords, dueRecords, explain };
    const result = await worker.request<Answer<'sweep'>>('sweep', args);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    say(`  sweep among ${finalRecords} final records (${store}): ${result.msPerDueRecord.toFixed(2)} ms a due record, ${seconds} s`);
    return result;
  });
}

async function measureScale() {
  // The simulator notes each list answer it delays at DEBUG: tens of thousands of lines.
  Logger.overrideLogger(['error', 'warn']);
  const reports = [];
  for (const [perDay, pageRows] of SCALE.reports) reports.push(await reportCase(perDay, pageRows));
  const servers = await startBenchStores();
  const sweeps = await stopAfter([servers], async () => {
    const [list, url] = [[] as Answer<'sweep'>[], { memory: '', redis: servers.redis?.url, postgres: servers.postgres?.url }];
    for (const store of ['memory', 'redis', 'postgres'] as const) {
      for (const n of url[store] === undefined ? [] : SCALE.sweeps.finalRecords) list.push(await sweepCase(store, url[store], n));
    }
    return list;
  });
  return { scale: { reports, sweeps, skippedStores: servers.skipped.map((s) => `${s.variant}: ${s.reason}`) } };
}

/** By their `--only` names, in the order they run. */
export const SECTIONS = [
  ['upstream', "upstream: simulator vs the bench's minimal server (node:http client, concurrency 16)", probeUpstream],
  ['throughput', `1. throughput and latency: module vs axios vs node:http, ${CONFIG.repeat} run(s)`, measureThroughput],
  ['burst', '2. cold burst of 1000 first calls', measureBurst],
  ['rotation', '3. token rotation under load (2 s tokens)', measureRotation],
  ['apps', '4. sample app vs bare Nest app under autocannon', measureApps],
  ['memory', '5. memory after 10k vs 100k calls', measureMemory],
  ['payments', '6. payments: pay() on the memory, Redis and PostgreSQL stores vs a hand-written payment call', measurePayments],
  ['scale', '7. scale: the daily report of 1k to 100k transactions a day, the sweep among 10k to 1M final records', measureScale],
] as const;

type Measured = Awaited<ReturnType<(typeof SECTIONS)[number][2]>>;
type AllOf<U> = (U extends unknown ? (u: U) => void : never) extends (all: infer I) => void ? I : never;
export type BenchResults = Partial<AllOf<Measured>> & { date: string; quick: boolean; wallClockSeconds: number; upstream: 'minimal' } & {
  machine: ReturnType<typeof machine> & { loadAverageAtEnd?: number[] };
  config: typeof CONFIG;
};
