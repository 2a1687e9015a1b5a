// Sections 4 and 5: the sample app end to end under autocannon, and memory after many calls.
import autocannon from 'autocannon';
import { fileURLToPath } from 'node:url';
import type { AppKind } from './app-worker.js';
import type { UpstreamTarget } from './bench-clients.js';
import { CONFIG, startClient } from './bench-config.js';
import { BenchChild } from './bench-ipc.js';
import type { BenchResults } from './bench-results.js';
import { median } from './bench-stats.js';
import type { MemoryPoint } from './client-worker.js';

/** Section 4: autocannon against GET /balance of the sample app and of a bare Nest app that calls upstream by hand. */
export async function measureApps(target: UpstreamTarget): Promise<BenchResults['apps']> {
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
export async function measureMemory(target: UpstreamTarget): Promise<MemoryPoint[]> {
  const worker = await startClient(['--expose-gc']);
  try {
    return await worker.request<MemoryPoint[]>('memory', { target, ...CONFIG.memory });
  } finally {
    await worker.stop();
  }
}
