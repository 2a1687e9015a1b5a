/** Sizes of the callback queue the receiver runs. */
export const SINGAPAY_CALLBACK_QUEUE_LIMITS = Object.freeze({
  /** Transaction ids waiting or being confirmed, in all; past it, callbacks get 503 and Singapay retries. */
  capacity: 10_000,
  /** Part of `capacity` only ids we know may take, so a flood of forged ids cannot crowd them out. */
  reservedForKnown: 2_000,
  /** Lookups at Singapay at once. */
  concurrency: 16,
  /** Tries per id when the lookup fails (Singapay down), with a doubling pause. */
  attempts: 6,
  /** Pause before the first retry. */
  retryDelayMs: 500,
  /**
   * Deliveries of one id held open for its confirmation; past it, 503 at once. Callbacks are
   * unsigned: a known id sent over and over must not hold requests without bound.
   */
  waitingPerId: 64,
});
export type SingapayCallbackQueueLimits = Record<keyof typeof SINGAPAY_CALLBACK_QUEUE_LIMITS, number>;

/** What `offer()` did: queued it, found it already queued, or had no room (answer 503 so the sender retries). */
export type SingapayCallbackOffer = 'queued' | 'duplicate' | 'full';

interface Job {
  id: string;
  known: boolean;
  attempt: number;
  /** Times it was offered; an attempt answers the offers made before it began. */
  offers: number;
  /** Callers waiting for an attempt begun after their offer (`attempt()`), told whether it went through. */
  waiting: { offer: number; resolve: (done: boolean) => void }[];
}

/**
 * A bounded queue of transaction ids to confirm, de-duplicated by id, with two lanes:
 * ids a payment of ours holds (or could hold) go first and have room of their own;
 * every other id shares what is left. An id stays counted until its work is done, so
 * a flood fills the queue and is refused (`full`) instead of being dropped unseen.
 */
export class SingapayCallbackQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly knownLane: Job[] = [];
  private readonly otherLane: Job[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idle: (() => void)[] = [];
  private unknownCount = 0;
  private running = 0;
  private stopped = false;

  constructor(
    private readonly limits: SingapayCallbackQueueLimits,
    private readonly work: (transactionId: string) => Promise<void>,
    private readonly onGiveUp: (transactionId: string, error: unknown) => void,
  ) {}

  get size(): number {
    return this.jobs.size;
  }

  offer(transactionId: string, known: boolean): SingapayCallbackOffer {
    const job = this.jobs.get(transactionId);
    if (job) {
      job.offers++;
      if (known && !job.known) {
        // Learned it is ours after all: it moves to the reserved room if it is still waiting.
        const at = this.otherLane.indexOf(job);
        if (at >= 0) this.knownLane.push(...this.otherLane.splice(at, 1));
        job.known = true;
        this.unknownCount--;
      }
      return 'duplicate';
    }
    if (this.stopped || this.jobs.size >= this.limits.capacity) return 'full';
    if (!known && this.unknownCount >= this.limits.capacity - this.limits.reservedForKnown) return 'full';
    const queued: Job = { id: transactionId, known, attempt: 0, offers: 1, waiting: [] };
    this.jobs.set(transactionId, queued);
    if (!known) this.unknownCount++;
    (known ? this.knownLane : this.otherLane).push(queued);
    this.pump();
    return 'queued';
  }

  /**
   * Resolves when the first attempt of `transactionId` begun since its last offer ends: true when
   * its work went through (or nothing is queued for it), false when it failed (it is retried, or given up)
   * or when `waitingPerId` callers wait on it already.
   */
  attempt(transactionId: string): Promise<boolean> {
    const job = this.jobs.get(transactionId);
    if (!job) return Promise.resolve(true);
    if (job.waiting.length >= this.limits.waitingPerId) return Promise.resolve(false);
    return new Promise((resolve) => job.waiting.push({ offer: job.offers, resolve }));
  }

  /** Resolves when nothing is queued, running or waiting to retry. */
  drain(): Promise<void> {
    return this.jobs.size === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops taking work; pending retries are dropped, and whoever waits on one is told it failed (its callback is not acknowledged). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const job of this.jobs.values()) this.tell(job, false);
    this.jobs.clear();
    this.unknownCount = 0;
    this.knownLane.length = 0;
    this.otherLane.length = 0;
    this.settleIdle();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.limits.concurrency) {
      const job = this.knownLane.shift() ?? this.otherLane.shift();
      if (job === undefined) break;
      this.running++;
      void this.run(job);
    }
    this.settleIdle();
  }

  private async run(job: Job): Promise<void> {
    const began = job.offers;
    try {
      await this.work(job.id);
      this.tell(job, true, began);
      // An offer made while it ran (a refund's callback after the success's, say) may say what this
      // attempt's lookup, begun before it, could not see: whoever waits on it gets an attempt of its own.
      if (job.waiting.length > 0) (job.known ? this.knownLane : this.otherLane).push(job);
      else this.finish(job);
    } catch (error) {
      this.tell(job, false);
      job.attempt++;
      if (job.attempt >= this.limits.attempts || this.stopped) {
        this.onGiveUp(job.id, error);
        this.finish(job);
      } else {
        const delay = this.limits.retryDelayMs * 2 ** (job.attempt - 1);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          (job.known ? this.knownLane : this.otherLane).push(job);
          this.pump();
        }, delay);
        this.timers.add(timer.unref());
      }
    } finally {
      this.running--;
      this.pump();
    }
  }

  /** Answers the callers waiting on offers up to `upTo` (every one when it is not given). */
  private tell(job: Job, done: boolean, upTo = Infinity): void {
    const told = job.waiting.filter((w) => w.offer <= upTo);
    job.waiting = job.waiting.filter((w) => w.offer > upTo);
    for (const { resolve } of told) resolve(done);
  }

  private finish(job: Job): void {
    if (this.jobs.delete(job.id) && !job.known) this.unknownCount--;
  }

  private settleIdle(): void {
    if (this.jobs.size > 0 || this.running > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
