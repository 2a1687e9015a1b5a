import { SingapayException, type SingapayModuleOptions } from '@app/singapay';
import type { SingapaySimulator, SingapaySimulatorLedgerEntry } from '@app/singapay-simulator';
import { registerSecret } from './log-capture.js';
import { freePort } from './free-port.js';
import { createSingapay, type SingapayTestContext } from './singapay-testing.js';

/** A clock the module reads instead of `Date.now`, moved forward by hand (never back). */
export class ManualClock {
  private offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** `createSingapay()` with the module's clock moved by hand. */
export function createSingapayWithClock(
  options: Partial<SingapayModuleOptions> & { baseUrl: string },
  clock: ManualClock,
): Promise<SingapayTestContext> {
  return createSingapay(options, { now: clock.now });
}

export function registerSimulatorSecrets(sim: SingapaySimulator): void {
  registerSecret(sim.credentials.clientSecret, sim.credentials.password);
}

/** A loopback port nothing listens on right now (connection refused). */
export const closedPort = freePort;

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The failure of a call that must fail with a `SingapayException`. */
export async function singapayFailure(fn: () => Promise<unknown>): Promise<SingapayException> {
  const result = await settle(fn());
  if (result.ok) throw new Error(`expected a SingapayException, got a result: ${JSON.stringify(result.value)?.slice(0, 300)}`);
  if (!(result.error instanceof SingapayException)) throw result.error;
  return result.error;
}

/**
 * Counts every payment request for one customer that reaches the simulator,
 * faulted or not (a rule that matches and never fires: probability 0). Add it
 * before any other rule for that customer: rules are tried in order.
 */
export function countPaymentRequests(sim: SingapaySimulator, customerId: string): () => number {
  const id = sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'latency', ms: 0 }, probability: 0 });
  return () => sim.faults.get(id)?.matched ?? 0;
}

/** Requests that reached a path of the simulator (faulted ones included). */
export function requestsTo(sim: SingapaySimulator, path: string): number {
  return sim.stats().requests[path] ?? 0;
}

/** The simulator's applied payments for one payment identity. */
export function ledgerEntries(
  sim: SingapaySimulator,
  by: { referenceNumber: string } | { customerId: string },
): SingapaySimulatorLedgerEntry[] {
  return sim
    .ledger()
    .transactions.filter((tx) => ('referenceNumber' in by ? tx.referenceNumber === by.referenceNumber : tx.customerId === by.customerId));
}

/** A number zero-padded to `width` digits. */
export const pad = (n: number, width: number): string => String(n).padStart(width, '0');
