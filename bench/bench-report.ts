// Renders the bench results as the markdown printed by `npm run bench` and written to
// bench/results.md: the targets first, then each section that ran.
import { OPERATIONS } from './bench-clients.js';
import type { BenchResults } from './bench-results.js';
import { n, pct, table } from './report-format.js';
import { renderPayments } from './report-payments.js';
import { renderScale } from './section-scale.js';
import { renderApps, renderBurst, renderMemory, renderRotation } from './report-sections.js';
import { median } from './bench-stats.js';
import { cellOf, renderThroughput, renderUpstreamProbe, runRatios, STEADY_RUNS } from './report-throughput.js';

export type { BenchResults, ThroughputCell, ThroughputRun } from './bench-results.js';

/** Heap growth from the first to the last memory checkpoint that still counts as "none". */
export const MEMORY_GROWTH_LIMIT_MB = 2;
/** Module calls/s over bare axios calls/s at concurrency 64, in the worst of the runs. */
export const THROUGHPUT_TARGET = 0.95;

export interface TargetCheck {
  target: string;
  measured: string;
  holds: boolean;
  /** Set when the check ran on less than the target asks for (fewer runs). */
  partial?: string;
}

/** The targets whose sections ran. */
export function checkTargets(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (r.throughput) {
    const runs = r.throughputRuns ?? [];
    for (const op of OPERATIONS) {
      const [mod, ax] = [cellOf(r.throughput, op, 64, 'module'), cellOf(r.throughput, op, 64, 'axios')];
      const ratios = runs.length > 0 ? runRatios(runs, op) : [mod.callsPerSecond / ax.callsPerSecond];
      const min = Math.min(...ratios);
      checks.push({
        target: `${op}: module throughput >= ${pct(THROUGHPUT_TARGET)} of bare axios at concurrency 64, in each of ${STEADY_RUNS} runs`,
        measured: `${ratios.map(pct).join(', ')} (min ${pct(min)}, median ${pct(median(ratios))}; event-loop µs per call ${n(mod.loopMicrosPerCall, 0)} vs ${n(ax.loopMicrosPerCall, 0)})`,
        holds: min >= THROUGHPUT_TARGET,
        ...(ratios.length < STEADY_RUNS ? { partial: `${ratios.length} of ${STEADY_RUNS} runs` } : {}),
      });
    }
    for (const op of OPERATIONS) {
      const added = cellOf(r.throughput, op, 1, 'module').p50Ms - cellOf(r.throughput, op, 1, 'axios').p50Ms;
      checks.push({ target: `${op}: added median latency < 0.3 ms at concurrency 1`, measured: `${n(added, 3)} ms`, holds: added < 0.3 });
    }
  }
  const cold = r.burst?.find((b) => b.variant === 'module' && b.mode === 'cold');
  if (cold) {
    checks.push({
      target: 'cold burst of 1000: exactly one token request',
      measured: `${cold.tokenRequestsPerRound.join(', ')} (per round)`,
      holds: cold.tokenRequestsPerRound.every((t) => t === 1),
    });
  }
  const rot = r.rotation;
  if (rot) {
    checks.push({ target: 'token rotation: zero failed calls', measured: String(rot.failedCalls), holds: rot.failedCalls === 0 });
    checks.push({ target: 'token rotation: p99 during rotation <= 2x outside', measured: `${n(rot.p99Ratio)}x`, holds: rot.p99Ratio <= 2 });
  }
  if (r.memory && r.memory.length > 0) {
    const first = r.memory[0];
    const last = r.memory[r.memory.length - 1];
    const growth = last.heapUsedMb - first.heapUsedMb;
    checks.push({
      target: `memory: no heap growth with call count (< ${MEMORY_GROWTH_LIMIT_MB} MB from ${first.calls / 1000}k to ${last.calls / 1000}k calls)`,
      measured: `${n(growth)} MB heap, ${n(last.rssMb - first.rssMb)} MB RSS`,
      holds: growth < MEMORY_GROWTH_LIMIT_MB,
    });
  }
  return checks;
}

function holds(c: TargetCheck): string {
  if (!c.holds) return '**no**';
  return c.partial ? `yes in ${c.partial} (run \`--repeat=${STEADY_RUNS}\`)` : 'yes';
}

export function renderTargets(r: BenchResults): string {
  const checks = checkTargets(r);
  if (checks.length === 0) return '(no target depends on the sections that ran)';
  return table(
    ['target', 'measured', 'holds'],
    checks.map((c) => [c.target, c.measured, holds(c)]),
  );
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push('# nestjs-singapay bench results', '');
  out.push(
    '**How to read this.** Every number is measured in one `npm run bench` run on the machine below, with the',
    "upstream (the bench's own minimal Singapay look-alike on 127.0.0.1, see *Upstream*), the load client and the",
    'app under test each in their own Node process. Throughput and latency are medians over rounds that interleave',
    'the variants, so a slow moment of the machine hits all of them alike. **module** is `SingapayService` from a',
    'Nest application context with `SingapayModule.forRoot`; **axios** is what a hand-written integration does',
    '(a keep-alive axios instance, a cached token, the partner-id and Bearer headers, a JSON post, code `00` checked);',
    '**http** is `node:http` with a keep-alive agent, the floor. The ratios matter more than the absolute numbers,',
    "which move from run to run and machine to machine; the upstream answers in microseconds, so the module's own",
    'cost shows in full here and is a smaller share against a real Singapay (tens to hundreds of ms away). Client and',
    'upstream share 2 cores, so at concurrency 16 and 64 calls/s is bounded by CPU: *event-loop µs per call* says what',
    'each variant costs, and moves less than calls/s when other work runs on the machine (see the load average below).',
    '',
  );
  out.push(
    `Machine: ${m.cpuCount} CPUs (${m.cpuModel}), ${m.totalMemoryGb} GB, ${m.platform}, Node ${m.node}. Load average (1/5/15 min) ${m.loadAverageAtStart.join(', ')} at start, ${m.loadAverageAtEnd?.join(', ') ?? 'n/a'} at end. Run ${r.date}, ${r.wallClockSeconds} s wall clock${r.quick ? ' (**quick run: not for numbers**)' : ''}.`,
    '',
  );
  out.push('## Targets', '', renderTargets(r), '');
  if (r.upstreamProbe) out.push(...renderUpstreamProbe(r.upstreamProbe));
  if (r.throughput) out.push(...renderThroughput(r));
  if (r.burst) out.push(...renderBurst(r));
  if (r.rotation && r.simulatorRotation) out.push(...renderRotation(r));
  if (r.apps) out.push(...renderApps(r));
  if (r.memory) out.push(...renderMemory(r));
  if (r.payments) out.push(...renderPayments(r.payments, (r.config as { payments: { cellMs: number; rounds: number } }).payments));
  if (r.scale) out.push(...renderScale(r.scale));
  return out.join('\n');
}
