// The markdown `npm run bench` prints and writes to bench/results.md: the targets, then each section that ran.
import type { BenchResults as Results } from './bench-sections.js';
import { median, OPERATIONS, round, sum, VARIANTS, type Operation } from './bench-util.js';

/** Module calls/s at least this share of bare axios' at concurrency 64, in each of STEADY_RUNS runs. */
const THROUGHPUT_TARGET = 0.95;
const STEADY_RUNS = 5;
const MEMORY_GROWTH_LIMIT_MB = 2;

type Cell = NonNullable<Results['throughput']>[number];
const n = (v: number, digits = 2) =>
  Number.isFinite(v) ? round(v, digits).toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const pct = (v: number) => (Number.isFinite(v) ? `${round(v * 100, 1)}%` : 'n/a');
const int = (v: number) => v.toLocaleString('en-US');
const counts = (c: Record<string, number>): string =>
  Object.keys(c)
    .filter((k) => c[k] > 0)
    .sort((a, b) => a.localeCompare(b))
    .map((k) => `${k} ${n(c[k])}`)
    .join(', ') || 'none';

/** `head` names the columns, separated by ` | `; `row` makes the cells of each item. */
function table<T>(head: string, items: readonly T[], row: (item: T) => (string | number)[]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line([head]), `|${head.split(' | ').fill('---').join('|')}|`, ...items.map((item) => line(row(item)))].join('\n');
}
/** Parts left out (`false`, `undefined`) are those of data the run does not hold. */
const section = (title: string, ...parts: (string | false | undefined)[]) => [`## ${title}`, ...parts.filter(Boolean)].join('\n\n');
/** As `module / axios / http`. */
const each = (cells: readonly Cell[], pick: (c: Cell) => number, digits = 0) => cells.map((c) => n(pick(c), digits)).join(' / ');

const cellOf = (cells: Cell[], op: Operation, concurrency: number, variant: string) =>
  cells.find((c) => c.operation === op && c.concurrency === concurrency && c.variant === variant)!;
/** Each run's module/axios ratio at concurrency 64: the median over its rounds of each round's paired ratio. */
const runRatios = (r: Results, op: Operation) =>
  r.throughputRuns!.map((run) => run.moduleToAxios.find((m) => m.operation === op && m.concurrency === 64)!.ratio);

function targets(r: Results): string {
  const ops = r.throughput ? OPERATIONS : [];
  const at = (op: Operation, concurrency: number, variant: string) => cellOf(r.throughput!, op, concurrency, variant);
  const rows: [string, string, boolean | string][] = ops.map((op) => {
    const [ratios, loop] = [runRatios(r, op), (v: string) => n(at(op, 64, v).loopMicrosPerCall, 0)];
    const min = Math.min(...ratios);
    const fewer = ratios.length < STEADY_RUNS && `yes in ${ratios.length} of ${STEADY_RUNS} runs (run \`--repeat=${STEADY_RUNS}\`)`;
    return [
      `${op}: module throughput >= ${pct(THROUGHPUT_TARGET)} of bare axios at concurrency 64, in each of ${STEADY_RUNS} runs`,
      `${ratios.map(pct).join(', ')} (min ${pct(min)}, median ${pct(median(ratios))}; event-loop µs per call ${loop('module')} vs ${loop('axios')})`,
      min >= THROUGHPUT_TARGET && (fewer || true),
    ];
  });
  for (const op of ops) {
    const added = at(op, 1, 'module').p50Ms - at(op, 1, 'axios').p50Ms;
    rows.push([`${op}: added median latency < 0.3 ms at concurrency 1`, `${n(added, 3)} ms`, added < 0.3]);
  }
  const tokens = r.burst?.find((b) => b.variant === 'module' && b.mode === 'cold')?.tokenRequestsPerRound;
  if (tokens)
    rows.push(['cold burst of 1000: exactly one token request', `${tokens.join(', ')} (per round)`, tokens.every((t) => t === 1)]);
  const rot = r.rotation;
  if (rot) rows.push(['token rotation: zero failed calls', String(rot.failedCalls), rot.failedCalls === 0]);
  if (rot) rows.push(['token rotation: p99 during rotation <= 2x outside', `${n(rot.p99Ratio)}x`, rot.p99Ratio <= 2]);
  const [first, last] = [r.memory?.[0], r.memory?.at(-1)];
  if (first && last) {
    const growth = last.heapUsedMb - first.heapUsedMb;
    const checkpoints = `from ${first.calls / 1000}k to ${last.calls / 1000}k calls`;
    const memory = `memory: no heap growth with call count (< ${MEMORY_GROWTH_LIMIT_MB} MB ${checkpoints})`;
    rows.push([memory, `${n(growth)} MB heap, ${n(last.rssMb - first.rssMb)} MB RSS`, growth < MEMORY_GROWTH_LIMIT_MB]);
  }
  if (rows.length === 0) return '(no target depends on the sections that ran)';
  return table('target | measured | holds', rows, ([t, m, h]) => [t, m, h === true ? 'yes' : h || '**no**']);
}

function throughput(r: Results): string {
  const [cells, runs, tu] = [r.throughput!, r.throughputRuns!, r.throughputUpstream!];
  const rows = OPERATIONS.flatMap((op) => r.config.concurrencies.map((c) => ({ op, c, x: VARIANTS.map((v) => cellOf(cells, op, c, v)) })));
  return section(
    '1. Throughput and latency',
    `Closed-loop callers (each waits for its answer before the next call), ${r.config.cellMs} ms per cell, median of ${cells[0].rounds / runs.length} rounds` +
      (runs.length > 1 ? `, in each of ${runs.length} runs; the tables show each cell's median over the runs.` : '.') +
      `
Each variant runs in a load-client process of its own. *Event-loop µs per call* is the time the client's event loop was busy
divided by the calls it completed: what the client code costs on the one thread every call shares, which caps calls/s once
saturated, and moves less than calls/s when other work runs on the machine. *Process CPU* adds V8's helper threads and libuv.`,
    table(
      'call | concurrency | calls/s module / axios / http | module/axios | module/http | event-loop µs per call module / axios / http | ' +
        'loop µs added vs axios | process CPU µs per call module / axios / http',
      rows,
      ({ op, c, x: [mod, ax, raw] }) => [
        ...[op, c, each([mod, ax, raw], (v) => v.callsPerSecond), pct(mod.callsPerSecond / ax.callsPerSecond)],
        ...[pct(mod.callsPerSecond / raw.callsPerSecond), each([mod, ax, raw], (v) => v.loopMicrosPerCall)],
        ...[n(mod.loopMicrosPerCall - ax.loopMicrosPerCall, 0), each([mod, ax, raw], (v) => v.cpuMicrosPerCall)],
      ],
    ),
    table(
      'call | concurrency | p50 ms module / axios / http | p99 ms module / axios / http | added p50 vs axios (ms) | added p50 vs http (ms) | failed calls',
      rows,
      ({ op, c, x }) => [
        ...[op, c, each(x, (v) => v.p50Ms, 3), each(x, (v) => v.p99Ms, 3)],
        ...[n(x[0].p50Ms - x[1].p50Ms, 3), n(x[0].p50Ms - x[2].p50Ms, 3), sum(x.map((v) => v.failures))],
      ],
    ),
    `During the measured rounds the upstream saw ${int(tu.requests)} requests on ${tu.connections} new connections and ${tu.tokenRequests} token requests: every variant reuses its keep-alive sockets and its token.`,
    `### Steadiness over runs

Section 1 ran ${runs.length === 1 ? 'once' : `${runs.length} times`} (\`--repeat=${runs.length}\`), in fresh load-client processes each time; the throughput targets hold
when the lowest of ${STEADY_RUNS} runs does. A run's module/axios ratio at concurrency 64 is the median over its rounds of each round's
ratio (the two ran back to back, so a slow stretch of the machine lands on both). *Load at end*: the 1-minute load average.`,
    table(
      `run | ${OPERATIONS.map((op) => `${op} module/axios (event-loop µs module / axios)`).join(' | ')} | load at end`,
      [
        ...runs.map((run, i) => [
          i + 1,
          ...OPERATIONS.map((op) => {
            const loop = ['module', 'axios'].map((v) => cellOf(run.cells, op, 64, v));
            return `${pct(runRatios(r, op)[i])} (${each(loop, (v) => v.loopMicrosPerCall)} µs)`;
          }),
          n(run.loadAverageAtEnd[0] ?? NaN),
        ]),
        ['**min**', ...OPERATIONS.map((op) => `**${pct(Math.min(...runRatios(r, op)))}**`), ''],
        ['**median**', ...OPERATIONS.map((op) => `**${pct(median(runRatios(r, op)))}**`), ''],
      ],
      (row) => row,
    ),
  );
}

const STORES: Record<string, string> = { 'module-memory': 'memory', 'module-redis': 'Redis', 'module-postgres': 'PostgreSQL' };

function payments(r: Results): string {
  const [p, { cellMs, rounds }] = [r.payments!, r.config.payments];
  const axios = (c: { concurrency: number }) => p.cells.find((x) => x.variant === 'axios' && x.concurrency === c.concurrency)!;
  const trips = (t: Record<string, number>) => (sum(Object.values(t)) > 0 ? `${n(sum(Object.values(t)))} (${counts(t)})` : '0');
  const u = p.upstream;
  return section(
    '6. Payments',
    `\`SingapayService.pay()\` of a direct \`${p.product.command}\` purchase (\`${p.product.productCode}\`, answered \`${p.product.answerCode}\`) with a fresh idempotency key and
customer id per payment, on the \`paymentStore\` each **module-** variant names; **axios** makes the same request by hand and records
nothing. Throw-away servers on loopback (${Object.values(p.servers).filter(Boolean).join(', ') || 'none'}; PostgreSQL with \`fsync\`, \`synchronous_commit\` and
\`full_page_writes\` off, a pool of ${p.postgresPoolSize}). ${cellMs} ms per cell, median of ${rounds} interleaved rounds, a load-client process per variant;
the store servers' CPU is not in the client's *event-loop µs* but shares the cores.` +
      p.skipped.map((s) => `\n- **${s.variant} skipped**: ${s.reason}.`).join(''),
    table(
      'variant | concurrency | payments/s | vs axios | event-loop µs per payment | process CPU µs per payment | p50 ms | p99 ms | failed',
      p.cells,
      (c) => [
        ...[c.variant, c.concurrency, n(c.callsPerSecond, 0), c.variant === 'axios' ? '' : pct(c.callsPerSecond / axios(c).callsPerSecond)],
        ...[n(c.loopMicrosPerCall, 0), n(c.cpuMicrosPerCall, 0), n(c.p50Ms, 3), n(c.p99Ms, 3), c.failures],
      ],
    ),
    `**Bookkeeping cost per payment**: each module variant minus axios at the same concurrency. *Store calls* are what the engine
asked of the store, *round trips* what its connection sent (Redis commands, PostgreSQL statements), per payment made.`,
    table(
      'store | concurrency | event-loop µs added | process CPU µs added | p50 added (ms) | payments/s vs axios | store calls per payment | round trips per payment',
      Object.keys(STORES).flatMap((v) => p.cells.filter((c) => c.variant === v)),
      (c) => [
        ...[STORES[c.variant], c.concurrency, n(c.loopMicrosPerCall - axios(c).loopMicrosPerCall, 0)],
        ...[n(c.cpuMicrosPerCall - axios(c).cpuMicrosPerCall, 0), n(c.p50Ms - axios(c).p50Ms, 3)],
        ...[pct(c.callsPerSecond / axios(c).callsPerSecond), counts(c.perPayment.storeCalls), trips(c.perPayment.roundTrips)],
      ],
    ),
    p.redisServer &&
      `redis-server ran, per payment (\`INFO commandstats\`, the scripts' own calls included): ${counts(p.redisServer.commandsPerPayment)}, in ${n(p.redisServer.microsPerPayment, 1)} µs of its own time.`,
    `The upstream answered ${int(u.paymentRequests)} payment requests for ${int(u.paymentsMade)} payments made in the measured rounds` +
      (u.paymentRequests === u.paymentsMade ? ': one request per payment, none deduplicated or retried.' : ' (**not one per payment**).'),
  );
}

function scale(r: Results): string {
  const { reports, sweeps, skippedStores } = r.scale!;
  const stores = [...new Set(sweeps.map((s) => s.store))];
  const explained = sweeps.find((s) => s.plans);
  return section(
    '7. Scale: the daily report and the sweep at a busy merchant',
    `The simulator holds three WIB days of N transactions each and answers every list page after ${reports[0]?.latencyMs} ms; the module, in a
process of its own holding a record for each transaction of the day in memory, runs \`reconcileDay\`. *Peak RSS* is that
process at its largest (records included), *before* after the records were made.`,
    table(
      'transactions a day | rows a page | list requests | time (s) | complete | rows (matched) | RSS before / peak (MB)',
      reports,
      (c) => [
        ...[int(c.transactionsPerDay), c.pageRows, int(c.listRequests), c.seconds.toFixed(1), c.complete ? 'yes' : '**no**'],
        ...[`${int(c.rows)} (${int(c.matched)})`, `${c.rssBeforeMb} / ${c.peakRssMb}`],
      ],
    ),
    `One sweep (\`sweepPayments()\`) over ${sweeps[0]?.dueRecords} records due for a lookup (a detail request to the simulator) among many final
records in each store (PostgreSQL with fsync off, its statistics gathered): *ms a due record*, by the final records held.`,
    table(`final records | ${stores.join(' | ')}`, [...new Set(sweeps.map((s) => s.finalRecords))], (f) => [
      int(f),
      ...stores.map((st) => sweeps.find((s) => s.store === st && s.finalRecords === f)?.msPerDueRecord.toFixed(2) ?? '–'),
    ]),
    ...(skippedStores ?? []).map((s) => `Not measured: ${s}.`),
    explained?.plans &&
      `PostgreSQL's plans for the store's statements with ${int(explained.finalRecords)} final records in the table
(\`EXPLAIN ANALYZE\` of the text and values the store sent; the two writes only planned, not run):`,
    explained?.plans &&
      table('statement | plan | execution (ms)', explained.plans, (p) => [p.statement, p.plan, p.executionMs?.toFixed(3) ?? '–']),
  );
}

const BURST_STATES = { cold: 'cold', warmToken: 'warm token', warm: 'warm (token, 256 pooled sockets)' };

export function renderMarkdown(r: Results): string {
  const [m, rot, sim] = [r.machine, r.rotation, r.simulatorRotation];
  const parts = [
    `# nestjs-singapay bench results

One \`npm run bench\` run on the machine below (how to read it: the README's *Performance* section), each figure a median over rounds
that interleave the variants. **module** is \`SingapayService\` (\`SingapayModule.forRoot\`), **axios** a hand-written keep-alive axios
integration with a cached token, **http** \`node:http\` with a keep-alive agent, the floor. Client and upstream share ${m.cpuCount}
cores, so at concurrency 16 and 64 calls/s is bound by CPU.

Machine: ${m.cpuCount} CPUs (${m.cpuModel}), ${m.totalMemoryGb} GB, ${m.platform}, Node ${m.node}. Load average (1/5/15 min) ${m.loadAverageAtStart.join(', ')} at start, ${m.loadAverageAtEnd?.join(', ') ?? 'n/a'} at end. Run ${r.date}, ${r.wallClockSeconds} s wall clock${r.quick ? ' (**quick run: not for numbers**)' : ''}.`,
    section('Targets', targets(r)),
    r.upstreamProbe &&
      section(
        'Upstream',
        `The same node:http client at concurrency 16 against the simulator and the bench's minimal server, which answers the token,
balance, inquiry and prepaid payment paths with the simulator's bodies, checks the partner id and the token (refusing expired
ones with 401), and nothing else: it is the upstream of every section below.`,
        table('upstream | call | calls/s | upstream CPU per call (µs)', r.upstreamProbe, (p) => [
          ...[p.upstream, p.operation, n(p.callsPerSecond, 0), n(p.upstreamCpuMicrosPerCall, 1)],
        ]),
      ),
    r.throughput && throughput(r),
    r.burst &&
      section(
        '2. Cold burst',
        `${r.burst[0].size} \`checkBalance()\` calls started at once on a fresh client (median time of ${r.burst[0].tokenRequestsPerRound.length} rounds). *cold*: nothing warm;
*warm token*: one call made first (token cached, one socket); *warm*: a whole burst made first (token cached, 256 sockets
pooled: Node's default \`maxFreeSockets\`, so the other 744 connect again). The hand-written client caches its token promise too.`,
        table(
          'client | state | all done (ms) | token requests per round | connections opened per round (warm-up included) | failed',
          r.burst,
          (b) => [
            ...[b.variant, BURST_STATES[b.mode], n(b.ms, 1)],
            ...[b.tokenRequestsPerRound.join(', '), b.connectionsPerRound.join(', '), b.failures],
          ],
        ),
      ),
    rot &&
      sim &&
      section(
        '3. Token rotation under load',
        `Tokens live ${rot.tokenLifetimeSeconds} s (\`expires_in: "${rot.tokenLifetimeSeconds}"\`, enforced by the server to the millisecond); ${rot.concurrency} callers mix
\`checkBalance()\` and \`inquiry()\` for ${rot.durationMs / 1000} s. With the default buffer the module renews at 90% of the lifetime, in the background.
${rot.window[0].toUpperCase()}${rot.window.slice(1)}; calls around the very first token request are left out (that is section 2).`,
        table(
          'calls | failed | token requests | refused (401) / replayed | calls during / outside rotation | p99 during (ms) | p99 outside (ms) | ratio | max during (ms)',
          [rot],
          (t) => [
            ...[t.calls, t.failedCalls, t.tokenRequests, `${t.refusedByUpstream} / ${t.replayedRequests}`],
            ...[`${t.callsDuringRotation} / ${t.callsOutsideRotation}`, n(t.p99DuringMs, 3), n(t.p99OutsideMs, 3)],
            ...[`${n(t.p99Ratio)}x`, n(t.maxDuringMs, 3)],
          ],
        ),
        `The same load against the simulator with \`tokenLifetimeSeconds: 2\`, whose JWT \`exp\` counts from the issue time rounded down
to the second, so a token can die up to a second early (the module drops a refused token and replays the call once):
${sim.calls} calls, ${sim.failedCalls} failed, ${sim.tokenRequests} token requests, ${sim.replayedRequests} replayed; p50 ${n(sim.p50Ms, 3)} ms, p99 ${n(sim.p99Ms, 3)} ms, max ${n(sim.maxMs, 3)} ms.`,
      ),
    r.apps &&
      section(
        '4. Sample app end to end',
        `autocannon (in the runner process) against \`GET /balance\` of the sample app (\`createSampleApp\`, configured from \`SINGAPAY_*\`
variables, Nest logger at \`error\`) and of a bare Nest app whose controller makes the same call with the axios client of section 1.`,
        table(
          'connections | sample req/s | bare req/s | sample/bare | p50 sample / bare (ms) | p99 sample / bare (ms) | errors',
          [...new Set(r.apps.map((a) => a.connections))],
          (c) => {
            const [s, b] = ['sample', 'bare'].map((app) => r.apps!.find((a) => a.app === app && a.connections === c)!);
            const rps = [n(s.requestsPerSecond, 0), n(b.requestsPerSecond, 0), pct(s.requestsPerSecond / b.requestsPerSecond)];
            return [c, ...rps, `${s.p50Ms} / ${b.p50Ms}`, `${s.p99Ms} / ${b.p99Ms}`, s.errors + b.errors];
          },
        ),
      ),
    r.memory &&
      section(
        '5. Memory',
        `A fresh process (\`--expose-gc\`), 1000 warm-up calls, then \`checkBalance()\` and \`inquiry()\` alternately at concurrency
${r.config.memory.concurrency}; at each checkpoint the heap is collected until it settles, then measured.`,
        table('after calls | heap used (MB) | RSS (MB) | external (MB)', r.memory, (p) => [
          ...[int(p.calls), n(p.heapUsedMb), n(p.rssMb, 1), n(p.externalMb)],
        ]),
      ),
    r.payments && payments(r),
    r.scale && scale(r),
  ];
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}
