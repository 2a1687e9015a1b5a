/** Sizes of the callback queue. */
export interface SingapayCallbackQueueLimits {
  /** Transaction ids waiting or being confirmed, in all. */
  capacity: number;
  /** Part of `capacity` only ids we know may take, so forged ids cannot crowd them out. */
  reservedForKnown: number;
  /** Lookups at Singapay at once. */
  concurrency: number;
  /** Tries per id when the lookup fails (Singapay down), with a doubling pause. */
  attempts: number;
  /** Pause before the first retry. */
  retryDelayMs: number;
}

/** What `offer()` did: queued it, found it already queued, or had no room (answer 503 so the sender retries). */
export type SingapayCallbackOffer = 'queued' | 'duplicate' | 'full';

interface Job {
  known: boolean;
  attempt: number;
}

/**
 * A bounded queue of transaction ids to confirm, de-duplicated by id, with two lanes:
 * ids a payment of ours holds (or could hold) go first and have room of their own;
 * every other id shares what is left. An id stays counted until its work is done, so
 * a flood fills the queue and is refused (`full`) instead of being dropped unseen.
 */
export class SingapayCallbackQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly knownLane: string[] = [];
  private readonly otherLane: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idle = new Set<() => void>();
  /** Callers waiting for the next attempt of an id (`attempt()`), told whether it went through. */
  private readonly waiting = new Map<string, ((done: boolean) => void)[]>();
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
      if (known && !job.known) {
        // Learned it is ours after all: it moves to the reserved room if it is still waiting.
        const waiting = this.otherLane.indexOf(transactionId);
        if (waiting >= 0) {
          this.otherLane.splice(waiting, 1);
          this.knownLane.push(transactionId);
        }
        job.known = true;
        this.unknownCount--;
      }
      return 'duplicate';
    }
    if (this.stopped || this.jobs.size >= this.limits.capacity) return 'full';
    if (!known && this.unknownCount >= this.limits.capacity - this.limits.reservedForKnown) return 'full';
    this.jobs.set(transactionId, { known, attempt: 0 });
    if (!known) this.unknownCount++;
    (known ? this.knownLane : this.otherLane).push(transactionId);
    this.pump();
    return 'queued';
  }

  /**
   * Resolves when the next attempt of `transactionId` ends: true when its work went through
   * (or nothing is queued for it), false when it failed (it is retried, or given up).
   */
  attempt(transactionId: string): Promise<boolean> {
    if (!this.jobs.has(transactionId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const list = this.waiting.get(transactionId) ?? [];
      list.push(resolve);
      this.waiting.set(transactionId, list);
    });
  }

  /** Resolves when nothing is queued, running or waiting to retry. */
  drain(): Promise<void> {
    if (this.jobs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Stops taking work; pending retries are dropped (the sweep catches up on recorded payments). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.jobs.clear();
    this.unknownCount = 0;
    this.knownLane.length = 0;
    this.otherLane.length = 0;
    for (const id of [...this.waiting.keys()]) this.tell(id, false);
    this.settleIdle();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.limits.concurrency) {
      const id = this.knownLane.shift() ?? this.otherLane.shift();
      if (id === undefined) break;
      this.running++;
      void this.run(id);
    }
    this.settleIdle();
  }

  private async run(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) {
      this.running--;
      return;
    }
    try {
      await this.work(id);
      this.finish(id, job);
      this.tell(id, true);
    } catch (error) {
      this.tell(id, false);
      job.attempt++;
      if (job.attempt >= this.limits.attempts || this.stopped) {
        this.onGiveUp(id, error);
        this.finish(id, job);
      } else {
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            (job.known ? this.knownLane : this.otherLane).push(id);
            this.pump();
          },
          this.limits.retryDelayMs * 2 ** (job.attempt - 1),
        );
        timer.unref();
        this.timers.add(timer);
      }
    } finally {
      this.running--;
      this.pump();
    }
  }

  private tell(id: string, done: boolean): void {
    const list = this.waiting.get(id);
    this.waiting.delete(id);
    for (const resolve of list ?? []) resolve(done);
  }

  private finish(id: string, job: Job): void {
    if (this.jobs.delete(id) && !job.known) this.unknownCount--;
  }

  private settleIdle(): void {
    if (this.jobs.size > 0 || this.running > 0) return;
    for (const resolve of this.idle) resolve();
    this.idle.clear();
  }
}
