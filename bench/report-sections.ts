// The report's sections 2 to 5: cold burst, token rotation, the sample app, memory.
import type { BurstMode } from './client-worker.js';
import type { BenchResults } from './bench-results.js';
import { n, pct, table } from './report-format.js';

export function renderBurst(r: BenchResults): string[] {
  const out: string[] = [];
  out.push('## 2. Cold burst', '');
  out.push(
    `${r.burst![0]?.size} \`checkBalance()\` calls started at once on a fresh client (median time of ${r.burst![0]?.tokenRequestsPerRound.length} rounds). *cold*: nothing warm, the burst`,
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
      r.burst!.map((b) => [
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

  return out;
}

export function renderRotation(r: BenchResults): string[] {
  const out: string[] = [];
  const rot = r.rotation!;
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
  const sim = r.simulatorRotation!;
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

  return out;
}

export function renderApps(r: BenchResults): string[] {
  const out: string[] = [];
  out.push('## 4. Sample app end to end', '');
  out.push(
    'autocannon against `GET /balance` of the sample app (built by `createSampleApp`, configured from `SINGAPAY_*`',
    'variables, Nest logger at `error`) and of a bare Nest app whose controller makes the same call with the',
    'hand-written axios client of section 1. autocannon runs in the runner process, so client, app and upstream share the 2 cores.',
    '',
  );
  const conns = [...new Set(r.apps!.map((a) => a.connections))];
  out.push(
    table(
      ['connections', 'sample req/s', 'bare req/s', 'sample/bare', 'p50 sample / bare (ms)', 'p99 sample / bare (ms)', 'errors'],
      conns.map((c) => {
        const s = r.apps!.find((a) => a.app === 'sample' && a.connections === c)!;
        const b = r.apps!.find((a) => a.app === 'bare' && a.connections === c)!;
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

  return out;
}

export function renderMemory(r: BenchResults): string[] {
  const out: string[] = [];
  out.push('## 5. Memory', '');
  out.push(
    'A fresh process (`--expose-gc`), 1000 warm-up calls, then `checkBalance()` and `inquiry()` alternately at concurrency',
    `${(r.config as { memory: { concurrency: number } }).memory.concurrency}; at each checkpoint the heap is collected until it settles, then measured.`,
    '',
  );
  out.push(
    table(
      ['after calls', 'heap used (MB)', 'RSS (MB)', 'external (MB)'],
      r.memory!.map((p) => [p.calls.toLocaleString('en-US'), n(p.heapUsedMb), n(p.rssMb, 1), n(p.externalMb)]),
    ),
    '',
  );
  return out;
}
