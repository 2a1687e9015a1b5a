// `npm run bench -- --profile`: CPU profiles (`--cpu-prof`) of the module and axios under the same load, and of
// pay() on each store against a hand-written payment, cut to the measured window and summarised per call.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CONFIG, machine, ONLY, ROOT, runs, say, startBenchStores, startWorker, startUpstream, stopAfter } from './bench-sections.js';
import { OPERATIONS, round } from './bench-util.js';
import type { Drive } from './bench-worker.js';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };

const MODULE_DIR = '/libs/singapay/src/';
/** The component a frame's code belongs to, by its URL: the first that matches. */
const COMPONENTS: [RegExp, string][] = [
  [/\/libs\/singapay\/src\//, 'module'],
  [/\/node_modules\/(axios|follow-redirects|proxy-from-env)\//, 'axios'],
  [/\/node_modules\/class-(validator|transformer)\//, 'class-validator/transformer'],
  [/\/node_modules\/@nestjs\//, 'nest'],
  [/\/node_modules\/(ioredis|@ioredis|redis-parser|redis-errors|denque|cluster-key-slot)\//, 'ioredis'],
  [/\/node_modules\/(pg|pg-[a-z-]+|postgres-[a-z-]+|pgpass)\//, 'pg'],
  [/\/node_modules\//, 'other packages'],
  [/^node:/, 'node internals'],
  [/\/bench\//, 'bench harness'],
  [/^$/, 'native/V8 (syscalls, JSON, builtins)'],
];

function frameName({ callFrame: { functionName, url, lineNumber } }: ProfileNode): string {
  const short = url.replace(/^.*\/(node_modules\/|libs\/|bench\/)/, '$1').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
}

/** Only the busy (non-idle) samples inside the measured window count (µs of the clock V8 stamps samples with). */
async function profileOne(title: string, op: 'throughput' | 'payments', args: object, isModule: boolean): Promise<string[]> {
  const dir = mkdtempSync(join(os.tmpdir(), 'singapay-cpuprof-'));
  const worker = await startWorker(['--cpu-prof', '--cpu-prof-dir', dir]);
  await worker.request(op, { ...args, durationMs: 1000 });
  const r = await worker.request<Drive>(op, { ...args, durationMs: 3000 });
  await worker.stop();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  rmSync(dir, { recursive: true, force: true });
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((c) => [c, node.id] as const)));
  const [self, components, inModule] = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
  const add = (m: Map<string, number>, k: string, dt: number) => m.set(k, (m.get(k) ?? 0) + dt);
  let [busy, underModule, at] = [0, 0, profile.startTime];
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    const node = byId.get(id)!;
    const { functionName, url } = node.callFrame;
    if (at < r.window[0] || at > r.window[1] || functionName === '(idle)' || functionName === '(program)') return;
    busy += dt;
    add(self, frameName(node), dt);
    add(components, functionName === '(garbage collector)' ? 'gc' : (COMPONENTS.find(([re]) => re.test(url))?.[1] ?? 'other'), dt);
    // Each module function once per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let f = byId.get(id); f; f = byId.get(parent.get(f.id) ?? -1)) if (f.callFrame.url.includes(MODULE_DIR)) seen.add(frameName(f));
    if (seen.size > 0) underModule += dt;
    for (const s of seen) add(inModule, s, dt);
  });
  const cost = (micros: number) => `${round(micros / r.calls, 1)} µs (${Math.round((micros / busy) * 1000) / 10}%)`;
  const ranked = (m: Map<string, number>, top: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const frames = (head: string, m: Map<string, number>, top: number) =>
    [`| ${head} | per call |\n|---|---|`, ...ranked(m, top).map(([f, v]) => `| \`${f}\` | ${cost(v)} |`), ''].join('\n');
  const byComponent = ranked(components, 20).map(([c, v]) => `${c} ${cost(v)}`);
  say(`  profiled ${title}`);
  return [
    `## ${title}\n`,
    `${round(r.callsPerSecond, 0)} calls/s, ${round(r.loopMicrosPerCall, 0)} µs event-loop time and ${round(r.cpuMicrosPerCall, 0)} µs process CPU per call, ${round(busy / r.calls, 0)} µs busy per call in the profile.\n`,
    `By component (self time per call): ${byComponent.join(', ')}.\n`,
    ...(isModule
      ? [`With a module frame anywhere on the stack: ${cost(underModule)}.\n`, frames('module function (inclusive)', inModule, 20)]
      : []),
    frames('top frames (self)', self, 25),
  ];
}

export async function runProfile(): Promise<void> {
  const minimal = await startUpstream('minimal');
  const lines = [
    '# CPU profiles (`npm run bench -- --profile`)\n',
    `${machine().cpuCount} CPUs, Node ${process.version}. One load-client process per variant and call, run with \`--cpu-prof\`:
concurrency 64, 1 s of warm-up, then 3 s profiled against the minimal upstream. Costs are CPU time of the client
process's main thread per completed call (µs), from the samples inside the profiled 3 s; the profiler itself adds some.
The pay() profiles use the stores of section 6 (a fresh idempotency key and customer per payment).\n`,
  ];
  await stopAfter([minimal], async () => {
    for (const operation of runs('throughput') ? OPERATIONS : []) {
      for (const variant of ['module', 'axios'] as const) {
        const args = { target: minimal.target, variant, operation, concurrency: 64 };
        lines.push(...(await profileOne(`${operation}, ${variant}`, 'throughput', args, variant === 'module')));
      }
    }
    if (!runs('payments')) return;
    const stores = await startBenchStores();
    await stopAfter([stores], async () => {
      lines.push(...stores.skipped.map((s) => `*pay(), ${s.variant}: skipped (${s.reason}).*\n`));
      const [{ postgresPoolSize }, { redis, postgres }] = [CONFIG.payments, stores];
      const common = { target: minimal.target, concurrency: 64, redisUrl: redis?.url, postgresUrl: postgres?.url, postgresPoolSize };
      for (const variant of stores.variants) {
        lines.push(...(await profileOne(`pay(), ${variant}`, 'payments', { ...common, variant }, variant !== 'axios')));
      }
    });
  });
  say(lines.join('\n'));
  if (ONLY.size > 0) return say('(focused run: bench/profile.md not written)');
  writeFileSync(join(ROOT, 'bench/profile.md'), `${lines.join('\n')}\n`);
  say('written to bench/profile.md');
}
