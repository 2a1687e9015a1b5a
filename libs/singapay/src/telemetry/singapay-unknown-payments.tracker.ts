/** What the gauge reads of a payment record (telemetry sits below the payments it counts). */
export type SingapayTrackedPayment = { key: string; state: string };

/** Most keys the gauge remembers; past it new ones are not counted (the gauge then reads "at least"). */
const SINGAPAY_UNKNOWN_PAYMENTS_MAX = 10_000;

/**
 * What the `singapay.payments.unknown` gauge counts: the payments whose record this
 * process last saw in state `unknown` (sent, no trustworthy answer, not yet resolved).
 * The payment ledger shows it every record it creates, reads or writes, and every
 * complete listing of unsettled records (sweeps, callbacks): a key enters
 * when seen `unknown` and leaves when seen in any other state or missing from a
 * complete listing. Nothing is read from the store for the gauge; it costs a map.
 */
export class SingapayUnknownPayments {
  /** Key → when it was last seen (a counter, not a time). */
  private readonly keys = new Map<string, number>();
  private generation = 0;

  constructor(private readonly max = SINGAPAY_UNKNOWN_PAYMENTS_MAX) {}

  get size(): number {
    return this.keys.size;
  }

  seen(record: SingapayTrackedPayment | undefined): void {
    if (!record) return;
    if (record.state !== 'unknown') this.keys.delete(record.key);
    else if (this.keys.size < this.max || this.keys.has(record.key)) this.keys.set(record.key, ++this.generation);
  }

  /** Call before listing every unsettled record; pass the result to `listed()`. */
  mark(): number {
    return ++this.generation;
  }

  /**
   * A listing begun at `mark` read every unsettled record: a key not in it, and not seen
   * since, is no longer unknown (another replica resolved it). Records that changed while
   * the listing ran were seen after `mark`, so they are kept.
   */
  listed(records: readonly SingapayTrackedPayment[], mark: number): void {
    for (const record of records) this.seen(record);
    for (const [key, seenAt] of this.keys) if (seenAt < mark) this.keys.delete(key);
  }
}
