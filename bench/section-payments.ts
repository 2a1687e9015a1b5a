// Section 6: the payment path. pay() through the module on each store against the same
// payment by hand with axios, interleaved round by round like section 1, and what the
// stores were asked per payment.
import { CONFIG, say, startClient, type Upstream } from './bench-config.js';
import type { BenchChild } from './bench-ipc.js';
import type { PaymentCell, PaymentsResults } from './bench-results.js';
import { interleave, summarise } from './bench-rounds.js';
import { startBenchStores } from './bench-stores.js';
import { PAYMENT_PRODUCT, PAYMENT_VARIANTS, type PaymentRunResult, type PaymentVariant, type StoreTally } from './payment-clients.js';
import type { UpstreamStats } from './upstream-server.js';

/** `counts` divided by `by`, key by key. */
function per(counts: Record<string, number>, by: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / Math.max(1, by)]));
}

function add(into: Record<string, number>, counts: Record<string, number>): void {
  for (const [k, v] of Object.entries(counts)) into[k] = (into[k] ?? 0) + v;
}

// Commands of the bench's own admin connection, not of any payment.
const ADMIN_COMMANDS = new Set(['INFO', 'CONFIG', 'CONFIG|RESETSTAT', 'CONFIG|SET', 'CONFIG|GET', 'CLIENT', 'HELLO', 'PING']);

export async function measurePayments(upstream: Upstream): Promise<PaymentsResults> {
  const { rounds, cellMs, warmMs, concurrencies, postgresPoolSize } = CONFIG.payments;
  say('  starting the stores: a throw-away redis-server and PostgreSQL cluster on loopback');
  const stores = await startBenchStores();
  const variants = PAYMENT_VARIANTS.filter((v) => !stores.skipped.some((s) => s.variant === v));
  const workers = new Map<PaymentVariant, BenchChild>();
  try {
    // A process per variant, as in section 1.
    for (const variant of variants) workers.set(variant, await startClient([], `payment client (${variant})`));
    const call = (variant: PaymentVariant, concurrency: number, durationMs: number) =>
      workers.get(variant)!.request<PaymentRunResult>('payments', {
        target: upstream.target,
        variant,
        concurrency,
        durationMs,
        redisUrl: stores.redis?.url,
        postgresUrl: stores.postgres?.url,
        postgresPoolSize,
      });
    // JIT, sockets and the store connections (the whole pool) warm before any round counts.
    for (const variant of variants) await call(variant, Math.max(...concurrencies), warmMs);
    await upstream.child.request('reset');
    await stores.redis?.resetStats();
    const samples = await interleave({
      rounds,
      variants,
      cells: concurrencies,
      run: (variant, concurrency) => call(variant, concurrency, cellMs),
      label: (concurrency) => `pay() c=${concurrency}`,
    });
    const seen = await upstream.child.request<UpstreamStats>('stats', { reset: true });
    const redisCommands = await stores.redis?.commandStats();

    let paymentsMade = 0;
    let redisPayments = 0;
    const cells: PaymentCell[] = concurrencies.flatMap((concurrency) =>
      variants.map((variant) => {
        const list = samples(variant, concurrency);
        const payments = list.reduce((n, r) => n + r.calls + r.failures, 0);
        const total: StoreTally = { storeCalls: {}, roundTrips: {} };
        for (const r of list) {
          add(total.storeCalls, r.tally.storeCalls);
          add(total.roundTrips, r.tally.roundTrips);
        }
        paymentsMade += payments;
        if (variant === 'module-redis') redisPayments += payments;
        return {
          variant,
          concurrency,
          ...summarise(list),
          payments,
          perPayment: { storeCalls: per(total.storeCalls, payments), roundTrips: per(total.roundTrips, payments) },
        };
      }),
    );
    const paymentCommands = Object.entries(redisCommands ?? {}).filter(([name]) => !ADMIN_COMMANDS.has(name));
    // Server time of the commands the client sent (a script's own calls are inside its EVAL's time).
    const sent = new Set(cells.filter((c) => c.variant === 'module-redis').flatMap((c) => Object.keys(c.perPayment.roundTrips)));
    const redisMicros = paymentCommands.filter(([name]) => sent.has(name)).reduce((n, [, s]) => n + s.usec, 0);
    return {
      product: { ...PAYMENT_PRODUCT },
      cells,
      skipped: stores.skipped,
      ...(redisCommands && redisPayments > 0
        ? {
            redisServer: {
              commandsPerPayment: per(Object.fromEntries(paymentCommands.map(([name, s]) => [name, s.calls])), redisPayments),
              microsPerPayment: redisMicros / redisPayments,
            },
          }
        : {}),
      servers: {
        ...(stores.redis ? { redis: `redis-server ${stores.redis.version}` } : {}),
        ...(stores.postgres ? { postgres: `PostgreSQL ${stores.postgres.version}` } : {}),
      },
      postgresPoolSize,
      upstream: { paymentRequests: seen.payments, paymentsMade },
    };
  } finally {
    await Promise.all([...workers.values()].map((w) => w.stop()));
    await stores.stop();
  }
}
