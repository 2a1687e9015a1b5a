// The report's section 6: the payment path on each store against a hand-written payment call,
// and what the bookkeeping costs per payment.
import type { PaymentCell, PaymentsResults } from './bench-results.js';
import { n, pct, table } from './report-format.js';
import type { PaymentVariant } from './payment-clients.js';

const STORE_NAMES: Record<Exclude<PaymentVariant, 'axios'>, string> = {
  'module-memory': 'memory',
  'module-redis': 'Redis',
  'module-postgres': 'PostgreSQL',
};

/** `{ create: 1, replace: 2 }` as `create 1, replace 2`; nothing as `none`. */
function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).filter(([, v]) => v > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${n(v, 2)}`)
    .join(', ');
}

const total = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

export function paymentCell(p: PaymentsResults, variant: PaymentVariant, concurrency: number): PaymentCell | undefined {
  return p.cells.find((c) => c.variant === variant && c.concurrency === concurrency);
}

/** Module variant minus axios at one concurrency: what the bookkeeping adds to a payment. */
export function bookkeepingCost(p: PaymentsResults, variant: PaymentVariant, concurrency: number) {
  const mod = paymentCell(p, variant, concurrency);
  const ax = paymentCell(p, 'axios', concurrency);
  if (!mod || !ax) return undefined;
  return {
    loopMicros: mod.loopMicrosPerCall - ax.loopMicrosPerCall,
    cpuMicros: mod.cpuMicrosPerCall - ax.cpuMicrosPerCall,
    p50Ms: mod.p50Ms - ax.p50Ms,
    ratio: mod.callsPerSecond / ax.callsPerSecond,
  };
}

export function renderPayments(p: PaymentsResults, config: { cellMs: number; rounds: number }): string[] {
  const concurrencies = [...new Set(p.cells.map((c) => c.concurrency))];
  const variants = [...new Set(p.cells.map((c) => c.variant))];
  const out = ['## 6. Payments', ''];
  out.push(
    `\`SingapayService.pay()\` of a direct \`${p.product.command}\` purchase (\`${p.product.productCode}\`), which the upstream answers \`${p.product.answerCode}\` (pending) with a`,
    'fresh ULID `transaction_id`, as the simulator does; every payment has a fresh idempotency key and customer id, so each one',
    'creates its record and nothing is deduplicated. **axios** makes the same payment request by hand (the same headers and',
    'body, the code checked, the receipt read) and records nothing: the bare upstream call. **module-memory / -redis /',
    '-postgres** is the module with that `paymentStore`: the engine creates the record, counts the send, calls Singapay',
    `and records the outcome. Redis and PostgreSQL are throw-away servers on loopback (${[p.servers.redis, p.servers.postgres].filter(Boolean).join(', ') || 'none'};`,
    'PostgreSQL with `fsync`, `synchronous_commit` and `full_page_writes` off, as in the test suite, so a commit costs less than on',
    `a production server), the PostgreSQL pool ${p.postgresPoolSize} connections (the module's default). Closed-loop callers, ${config.cellMs} ms per cell, median of`,
    `${config.rounds} interleaved rounds, each variant in a load-client process of its own. The store servers' CPU is not in the client's`,
    '*event-loop µs* but shares the 2 cores, so it shows in calls/s.',
    '',
  );
  for (const s of p.skipped) out.push(`- **${s.variant} skipped**: ${s.reason}.`);
  if (p.skipped.length > 0) out.push('');

  const rows: (string | number)[][] = [];
  for (const c of concurrencies) {
    for (const v of variants) {
      const cell = paymentCell(p, v, c)!;
      const ax = paymentCell(p, 'axios', c);
      rows.push([
        v,
        c,
        n(cell.callsPerSecond, 0),
        v === 'axios' || !ax ? '' : pct(cell.callsPerSecond / ax.callsPerSecond),
        n(cell.loopMicrosPerCall, 0),
        n(cell.cpuMicrosPerCall, 0),
        n(cell.p50Ms, 3),
        n(cell.p99Ms, 3),
        cell.failures,
      ]);
    }
  }
  out.push(
    table(
      [
        'variant',
        'concurrency',
        'payments/s',
        'vs axios',
        'event-loop µs per payment',
        'process CPU µs per payment',
        'p50 ms',
        'p99 ms',
        'failed',
      ],
      rows,
    ),
    '',
  );

  out.push(
    '**Bookkeeping cost per payment**: each module variant minus axios at the same concurrency. *Store calls* are what the',
    'engine asked of the store, *round trips* the requests its connection sent (Redis commands, PostgreSQL statements), both',
    'counted in the load client and divided by the payments made.',
    '',
  );
  const costRows: (string | number)[][] = [];
  for (const v of variants) {
    if (v === 'axios') continue;
    for (const c of concurrencies) {
      const cost = bookkeepingCost(p, v, c);
      const cell = paymentCell(p, v, c)!;
      if (!cost) continue;
      costRows.push([
        STORE_NAMES[v],
        c,
        n(cost.loopMicros, 0),
        n(cost.cpuMicros, 0),
        n(cost.p50Ms, 3),
        pct(cost.ratio),
        counts(cell.perPayment.storeCalls),
        `${n(total(cell.perPayment.roundTrips), 2)}${total(cell.perPayment.roundTrips) > 0 ? ` (${counts(cell.perPayment.roundTrips)})` : ''}`,
      ]);
    }
  }
  out.push(
    table(
      [
        'store',
        'concurrency',
        'event-loop µs added',
        'process CPU µs added',
        'p50 added (ms)',
        'payments/s vs axios',
        'store calls per payment',
        'round trips per payment',
      ],
      costRows,
    ),
    '',
  );
  if (p.redisServer) {
    out.push(
      `redis-server ran, per payment (\`INFO commandstats\`, the scripts' own calls included): ${counts(p.redisServer.commandsPerPayment)}, in ${n(p.redisServer.microsPerPayment, 1)} µs of its own time.`,
      '',
    );
  }
  const u = p.upstream;
  out.push(
    `The upstream answered ${u.paymentRequests.toLocaleString('en-US')} payment requests for ${u.paymentsMade.toLocaleString('en-US')} payments made in the measured rounds` +
      (u.paymentRequests === u.paymentsMade ? ': one request per payment, none deduplicated or retried.' : ' (**not one per payment**).'),
    '',
  );
  return out;
}
