// Renders the bench results as the markdown table printed by `npm run bench`
// and written to bench/results.md.
import type { Operation, Variant } from './bench-clients.js';
import type { BurstMode, MemoryPoint } from './client-worker.js';
import { round } from './bench-stats.js';

export interface ThroughputCell {
  operation: Operation;
  concurrency: number;
  variant: Variant;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerCall: number;
  loopMicrosPerCall: number;
  failures: number;
  rounds: number;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  wallClockSeconds: number;
  machine: {
    cpuCount: number;
    availableParallelism: number;
    cpuModel: string;
    node: string;
    platform: string;
    totalMemoryGb: number;
    loadAverageAtStart: number[];
    loadAverageAtEnd?: number[];
  };
  config: unknown;
  upstream: 'minimal' | 'simulator';
  upstreamProbe: { upstream: 'minimal' | 'simulator'; operation: Operation; callsPerSecond: number; upstreamCpuMicrosPerCall: number }[];
  throughput: ThroughputCell[];
  /** What the upstream saw during the measured rounds of section 1. */
  throughputUpstream: { requests: number; connections: number; tokenRequests: number };
  burst: {
    variant: 'module' | 'axios';
    mode: BurstMode;
    size: number;
    ms: number;
    tokenRequestsPerRound: number[];
    connectionsPerRound: number[];
    failures: number;
  }[];
  rotation: {
    tokenLifetimeSeconds: number;
    durationMs: number;
    concurrency: number;
    calls: number;
    failedCalls: number;
    firstError?: string;
    tokenRequests: number;
    refusedByUpstream: number;
    replayedRequests: number;
    callsDuringRotation: number;
    callsOutsideRotation: number;
    p99DuringMs: number;
    p99OutsideMs: number;
    p99Ratio: number;
    maxDuringMs: number;
    window: string;
  };
  simulatorRotation: {
    calls: number;
    failedCalls: number;
    firstError?: string;
    tokenRequests: number;
    replayedRequests: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
  };
  apps: { app: 'sample' | 'bare'; connections: number; requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number }[];
  memory: MemoryPoint[];
}

/** Heap growth from the first to the last memory checkpoint that still counts as "none". */
export const MEMORY_GROWTH_LIMIT_MB = 2;

const n = (v: number, digits = 2) =>
  Number.isFinite(v) ? round(v, digits).toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const pct = (v: number) => (Number.isFinite(v) ? `${round(v * 100, 1)}%` : 'n/a');
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function cell(r: BenchResults, operation: Operation, concurrency: number, variant: Variant): ThroughputCell {
  return r.throughput.find((c) => c.operation === operation && c.concurrency === concurrency && c.variant === variant)!;
}

export interface TargetCheck {
  target: string;
  measured: string;
  holds: boolean;
}

export function checkTargets(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ops: Operation[] = ['checkBalance', 'inquiry'];
  for (const op of ops) {
    const [mod, ax] = [cell(r, op, 64, 'module'), cell(r, op, 64, 'axios')];
    const ratio = mod.callsPerSecond / ax.callsPerSecond;
    checks.push({
      target: `${op}: module throughput >= 90% of bare axios at concurrency 64`,
      measured: `${pct(ratio)} (event-loop time per call ${n(mod.loopMicrosPerCall, 0)} vs ${n(ax.loopMicrosPerCall, 0)} µs)`,
      holds: ratio >= 0.9,
    });
  }
  for (const op of ops) {
    const added = cell(r, op, 1, 'module').p50Ms - cell(r, op, 1, 'axios').p50Ms;
    checks.push({ target: `${op}: added median latency < 0.3 ms at concurrency 1`, measured: `${n(added, 3)} ms`, holds: added < 0.3 });
  }
  const cold = r.burst.find((b) => b.variant === 'module' && b.mode === 'cold')!;
  checks.push({
    target: 'cold burst of 1000: exactly one token request',
    measured: `${cold.tokenRequestsPerRound.join(', ')} (per round)`,
    holds: cold.tokenRequestsPerRound.every((t) => t === 1),
  });
  const rot = r.rotation;
  checks.push({ target: 'token rotation: zero failed calls', measured: String(rot.failedCalls), holds: rot.failedCalls === 0 });
  checks.push({ target: 'token rotation: p99 during rotation <= 2x outside', measured: `${n(rot.p99Ratio)}x`, holds: rot.p99Ratio <= 2 });
  const first = r.memory[0];
  const last = r.memory[r.memory.length - 1];
  const growth = last.heapUsedMb - first.heapUsedMb;
  checks.push({
    target: `memory: no heap growth with call count (< ${MEMORY_GROWTH_LIMIT_MB} MB from ${first.calls / 1000}k to ${last.calls / 1000}k calls)`,
    measured: `${n(growth)} MB heap, ${n(last.rssMb - first.rssMb)} MB RSS`,
    holds: growth < MEMORY_GROWTH_LIMIT_MB,
  });
  return checks;
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

  out.push('## Targets', '');
  out.push(
    table(
      ['target', 'measured', 'holds'],
      checkTargets(r).map((c) => [c.target, c.measured, yes(c.holds)]),
    ),
    '',
  );

  out.push('## Upstream', '');
  out.push(
    "The same node:http client at concurrency 16 against the simulator and against the bench's minimal server. The",
    "minimal server answers the token, balance and inquiry paths with the simulator's bodies, checks the partner id and",
    'the token (refusing expired ones with 401), and nothing else; it is the upstream of every section below, so that',
    'the client side is what is measured.',
    '',
  );
  out.push(
    table(
      ['upstream', 'call', 'calls/s', 'upstream CPU per call (µs)'],
      r.upstreamProbe.map((p) => [p.upstream, p.operation, n(p.callsPerSecond, 0), n(p.upstreamCpuMicrosPerCall, 1)]),
    ),
    '',
  );

  out.push('## 1. Throughput and latency', '');
  out.push(
    `Closed-loop callers (each waits for its answer before the next call), ${(r.config as { cellMs: number }).cellMs} ms per cell, median of ${r.throughput[0]?.rounds} rounds.\nEach variant runs in a load-client process of its own. *Event-loop µs per call* is the time the client's event loop\nwas busy divided by the calls it completed: the cost of the client code on the one thread every call shares, which\ncaps calls/s once that thread is saturated and moves less than calls/s when other work runs on the machine.\n*Process CPU* adds V8's helper threads (concurrent GC) and libuv.`,
    '',
  );
  const throughputRows: (string | number)[][] = [];
  const latencyRows: (string | number)[][] = [];
  for (const op of ['checkBalance', 'inquiry'] as const) {
    for (const c of [...new Set(r.throughput.map((t) => t.concurrency))]) {
      const [mod, ax, raw] = (['module', 'axios', 'http'] as const).map((v) => cell(r, op, c, v));
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
  out.push(
    `During the measured rounds the upstream saw ${tu.requests.toLocaleString('en-US')} requests on ${tu.connections} new connections and ${tu.tokenRequests} token requests: every variant reuses its keep-alive sockets and its token.`,
    '',
  );

  out.push('## 2. Cold burst', '');
  out.push(
    `${r.burst[0]?.size} \`checkBalance()\` calls started at once on a fresh client (median time of ${r.burst[0]?.tokenRequestsPerRound.length} rounds). *cold*: nothing warm, the burst`,
    'itself needs the token; *warm token*: one call made first (token cached, one socket); *warm*: a whole burst made first',
    "(token cached, 256 sockets pooled: Node's default `maxFreeSockets`, so the other 744 connect again). Every burst opens",
    'sockets as it goes, so the times compare the token handling more than connection reuse. The hand-written axios',
    'client caches its token promise, so its first burst would make one token request too (a naive one makes 1000).',
    '',
  );
  const modeName: Record<BurstMode, string> = { cold: 'cold', warmToken: 'warm token', warm: 'warm (token, 256 pooled sockets)' };
  out.push(
    table(
      ['client', 'state', 'all done (ms)', 'token requests per round', 'connections opened per round (warm-up included)', 'failed'],
      r.burst.map((b) => [
        b.variant,
        modeName[b.mode],
        n(b.ms, 1),
        b.tokenRequestsPerRound.join(', '),
        b.connectionsPerRound.join(', '),
        b.failures,
      ]),
    ),
    '',
  );

  const rot = r.rotation;
  out.push('## 3. Token rotation under load', '');
  out.push(
    `Tokens live ${rot.tokenLifetimeSeconds} s (\`expires_in: "${rot.tokenLifetimeSeconds}"\`, enforced by the server to the millisecond); ${rot.concurrency} callers mix`,
    `\`checkBalance()\` and \`inquiry()\` for ${rot.durationMs / 1000} s. With the default buffer the module renews at 90% of the lifetime, in the background. ${rot.window[0].toUpperCase()}${rot.window.slice(1)}; calls around the very first token request are left out (that is section 2).`,
    '',
  );
  out.push(
    table(
      [
        'calls',
        'failed',
        'token requests',
        'refused (401) / replayed',
        'calls during / outside rotation',
        'p99 during (ms)',
        'p99 outside (ms)',
        'ratio',
        'max during (ms)',
      ],
      [
        [
          rot.calls,
          rot.failedCalls,
          rot.tokenRequests,
          `${rot.refusedByUpstream} / ${rot.replayedRequests}`,
          `${rot.callsDuringRotation} / ${rot.callsOutsideRotation}`,
          n(rot.p99DuringMs, 3),
          n(rot.p99OutsideMs, 3),
          `${n(rot.p99Ratio)}x`,
          n(rot.maxDuringMs, 3),
        ],
      ],
    ),
    '',
  );
  const sim = r.simulatorRotation;
  out.push(
    'The same load against the simulator with `tokenLifetimeSeconds: 2`. Its JWT `exp` counts from the issue time rounded',
    'down to the second, so a token can die up to a second before its `expires_in` says: the module sees the refusal',
    '(401), drops the token and replays the call once with a new one, which the *replayed* column counts.',
    '',
    table(
      ['calls', 'failed', 'token requests', 'replayed', 'p50 (ms)', 'p99 (ms)', 'max (ms)'],
      [[sim.calls, sim.failedCalls, sim.tokenRequests, sim.replayedRequests, n(sim.p50Ms, 3), n(sim.p99Ms, 3), n(sim.maxMs, 3)]],
    ),
    '',
  );

  out.push('## 4. Sample app end to end', '');
  out.push(
    'autocannon against `GET /balance` of the sample app (built by `createSampleApp`, configured from `SINGAPAY_*`',
    'variables, Nest logger at `error`) and of a bare Nest app whose controller makes the same call with the',
    'hand-written axios client of section 1. autocannon runs in the runner process, so client, app and upstream share the 2 cores.',
    '',
  );
  const conns = [...new Set(r.apps.map((a) => a.connections))];
  out.push(
    table(
      ['connections', 'sample req/s', 'bare req/s', 'sample/bare', 'p50 sample / bare (ms)', 'p99 sample / bare (ms)', 'errors'],
      conns.map((c) => {
        const s = r.apps.find((a) => a.app === 'sample' && a.connections === c)!;
        const b = r.apps.find((a) => a.app === 'bare' && a.connections === c)!;
        return [
          c,
          n(s.requestsPerSecond, 0),
          n(b.requestsPerSecond, 0),
          pct(s.requestsPerSecond / b.requestsPerSecond),
          `${s.p50Ms} / ${b.p50Ms}`,
          `${s.p99Ms} / ${b.p99Ms}`,
          s.errors + b.errors,
        ];
      }),
    ),
    '',
  );

  out.push('## 5. Memory', '');
  out.push(
    'A fresh process (`--expose-gc`), 1000 warm-up calls, then `checkBalance()` and `inquiry()` alternately at concurrency',
    `${(r.config as { memory: { concurrency: number } }).memory.concurrency}; at each checkpoint the heap is collected until it settles, then measured.`,
    '',
  );
  out.push(
    table(
      ['after calls', 'heap used (MB)', 'RSS (MB)', 'external (MB)'],
      r.memory.map((p) => [p.calls.toLocaleString('en-US'), n(p.heapUsedMb), n(p.rssMb, 1), n(p.externalMb)]),
    ),
    '',
  );
  return out.join('\n');
}
