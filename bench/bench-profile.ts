// `npm run bench -- --profile`: CPU profiles of the module and axios under the same load, and
// of pay() on each store against a hand-written payment (`--only=throughput` or `--only=payments` for one half).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { OPERATIONS, type UpstreamTarget } from './bench-clients.js';
import { CONFIG, machine, ONLY, ROOT, runs, say, startClient, startUpstream } from './bench-config.js';
import type { ThroughputResult } from './bench-drive.js';
import { round } from './bench-stats.js';
import { startBenchStores } from './bench-stores.js';
import { summariseCpuProfile } from './cpu-profile-summary.js';
import { PAYMENT_VARIANTS } from './payment-clients.js';

/** One load-client process under `--cpu-prof`: 1 s of warm-up, 3 s profiled, summarised per call. */
async function profileOne(title: string, op: 'throughput' | 'payments', args: object, isModule: boolean): Promise<string[]> {
  const dir = mkdtempSync(join(os.tmpdir(), 'singapay-cpuprof-'));
  const worker = await startClient(['--cpu-prof', '--cpu-prof-dir', dir]);
  await worker.request(op, { ...args, durationMs: 1000 });
  const r = await worker.request<ThroughputResult>(op, { ...args, durationMs: 3000 });
  await worker.stop();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const s = summariseCpuProfile(join(dir, file), { window: r.window, calls: r.calls });
  rmSync(dir, { recursive: true, force: true });
  const perCall = (f: { microsPerCall: number; pct: number }) => `${round(f.microsPerCall, 1)} µs (${f.pct}%)`;
  const lines = [
    `## ${title}`,
    '',
    `${round(r.callsPerSecond, 0)} calls/s, ${round(r.loopMicrosPerCall, 0)} µs event-loop time and ${round(r.cpuMicrosPerCall, 0)} µs process CPU per call, ${round((s.busyMs * 1000) / r.calls, 0)} µs busy per call in the profile.`,
    '',
    `By component (self time per call): ${s.components.map((c) => `${c.frame} ${perCall(c)}`).join(', ')}.`,
    '',
  ];
  if (isModule) {
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
  say(`  profiled ${title}`);
  return lines;
}

async function profilePayments(target: UpstreamTarget): Promise<string[]> {
  const stores = await startBenchStores();
  const lines: string[] = [];
  try {
    for (const s of stores.skipped) lines.push(`*pay(), ${s.variant}: skipped (${s.reason}).*`, '');
    for (const variant of PAYMENT_VARIANTS.filter((v) => !stores.skipped.some((s) => s.variant === v))) {
      const args = {
        target,
        variant,
        concurrency: 64,
        redisUrl: stores.redis?.url,
        postgresUrl: stores.postgres?.url,
        postgresPoolSize: CONFIG.payments.postgresPoolSize,
      };
      lines.push(...(await profileOne(`pay(), ${variant}`, 'payments', args, variant !== 'axios')));
    }
  } finally {
    await stores.stop();
  }
  return lines;
}

/**
 * `--profile`: a CPU profile (`--cpu-prof`) of each variant and call under the same load, cut to the measured
 * window (no start-up, no warm-up), summarised per call, and written to bench/profile.md.
 */
export async function runProfile(): Promise<void> {
  const minimal = await startUpstream('minimal');
  const lines: string[] = [
    '# CPU profiles (`npm run bench -- --profile`)',
    '',
    `${machine().cpuCount} CPUs, Node ${process.version}. One load-client process per variant and call, run with \`--cpu-prof\`:`,
    'concurrency 64, 1 s of warm-up, then 3 s profiled against the minimal upstream. Costs are CPU time of the client',
    "process's main thread per completed call (µs), from the samples inside the profiled 3 s; the profiler itself adds some.",
    'The pay() profiles use the stores of section 6 (a fresh idempotency key and customer per payment).',
    '',
  ];
  try {
    if (runs('throughput')) {
      for (const operation of OPERATIONS) {
        for (const variant of ['module', 'axios'] as const) {
          const args = { target: minimal.target, variant, operation, concurrency: 64 };
          lines.push(...(await profileOne(`${operation}, ${variant}`, 'throughput', args, variant === 'module')));
        }
      }
    }
    if (runs('payments')) lines.push(...(await profilePayments(minimal.target)));
  } finally {
    await minimal.child.stop();
  }
  const text = lines.join('\n');
  say(text);
  if (ONLY.size > 0) return say('(focused run: bench/profile.md not written)');
  writeFileSync(join(ROOT, 'bench/profile.md'), `${text}\n`);
  say('written to bench/profile.md');
}
