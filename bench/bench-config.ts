// What one `npm run bench` run does: its flags, phase lengths and the helpers every section
// uses to start its child processes.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { UpstreamTarget } from './bench-clients.js';
import { BenchChild } from './bench-ipc.js';
import type { BenchResults } from './bench-results.js';
import { round } from './bench-stats.js';
import type { UpstreamKind } from './upstream-server.js';

const flags = process.argv.slice(2);
const value = (name: string): string | undefined => flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3);

export const QUICK = flags.includes('--quick');
export const PROFILE = flags.includes('--profile');
/** `--only=throughput,payments`: run just those sections (results are then printed, not written). */
export const ONLY = new Set(value('only')?.split(',') ?? []);
export const SECTIONS = ['upstream', 'throughput', 'burst', 'rotation', 'apps', 'memory', 'payments', 'scale'] as const;
export type Section = (typeof SECTIONS)[number];
export const runs = (section: Section): boolean => ONLY.size === 0 || ONLY.has(section);

/**
 * `--repeat=N`: section 1 runs N times over (fresh processes, warm-up and rounds each time), and the
 * throughput targets hold only if the module/axios ratio of the worst run does. 5 in a full run, 1 with `--quick`.
 */
export const REPEAT = Number(value('repeat') ?? (QUICK ? 1 : 5));

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const CONFIG = {
  rounds: QUICK ? 2 : 5,
  /** Rounds at concurrency 64, where the throughput targets are judged. */
  targetRounds: QUICK ? 2 : 9,
  cellMs: QUICK ? 300 : 800,
  warmMs: QUICK ? 200 : 600,
  concurrencies: [1, 16, 64],
  repeat: REPEAT,
  simulatorProbeMs: QUICK ? 300 : 1000,
  burst: { size: 1000, rounds: QUICK ? 1 : 3 },
  rotation: { lifetimeSeconds: 2, durationMs: QUICK ? 4000 : 10_000, concurrency: 16, windowBeforeMs: 50, windowAfterMs: 250 },
  app: { connections: [16, 64], durationSeconds: QUICK ? 1 : 2, rounds: QUICK ? 1 : 3 },
  memory: { checkpoints: QUICK ? [2_000, 10_000] : [10_000, 50_000, 100_000], concurrency: 16 },
  payments: {
    rounds: QUICK ? 2 : 5,
    cellMs: QUICK ? 300 : 800,
    warmMs: QUICK ? 300 : 800,
    concurrencies: [1, 16, 64],
    postgresPoolSize: 10,
  },
};

export function checkFlags(): void {
  const unknown = [...ONLY].filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  if (!Number.isInteger(REPEAT) || REPEAT < 1 || REPEAT > 20) throw new Error('--repeat must be a whole number from 1 to 20');
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

export interface Upstream {
  child: BenchChild;
  target: UpstreamTarget;
}

export async function startUpstream(kind: UpstreamKind, tokenLifetimeSeconds = 3600): Promise<Upstream> {
  const child = await BenchChild.start(`upstream (${kind})`, './upstream-server.js', {
    env: { BENCH_UPSTREAM: kind, BENCH_TOKEN_LIFETIME_SECONDS: String(tokenLifetimeSeconds) },
  });
  return { child, target: child.ready as unknown as UpstreamTarget };
}

export function startClient(execArgv: string[] = [], name = 'load client'): Promise<BenchChild> {
  return BenchChild.start(name, './client-worker.js', { execArgv });
}

export function machine(): BenchResults['machine'] {
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
