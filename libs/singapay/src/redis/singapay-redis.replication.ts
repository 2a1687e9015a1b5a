import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { SingapayRedisLedgerEpoch } from './singapay-redis.ledger.js';

/**
 * Whether claims are held by a replica of the Redis primary before their payments are sent. `WAIT` counts
 * only the writes of the connection it runs on and blocks that connection meanwhile, so it runs on a
 * connection of its own (never in the way of the records' and tokens' commands), after a mark written there
 * that follows every claim this process made, and only on the server that holds them all (the ledger's
 * epoch and sequence, `SingapayRedisLedgerEpoch.markWritten`): one `WAIT` answers for all of them, and one
 * that reached a failover's promoted replica instead is refused. Claims that come while one waits share the
 * next, so a replica that stops acknowledging costs a claim a few waits at most, never a queue.
 */
export class SingapayRedisClaimReplication {
  readonly #redis: Redis;
  #waiter?: Redis;
  #inFlight?: Promise<boolean>;
  #next?: Promise<boolean>;
  /** The primary's replicas online (`INFO replication`) as last read, and when; undefined when unknown. */
  private replicasRead?: { at: number; count: Promise<number | undefined> };
  private infoRefused = false;
  private refusedAt = -Infinity;

  constructor(
    redis: Redis,
    private readonly epoch: SingapayRedisLedgerEpoch,
    private readonly waitMs: number,
    private readonly logger: Logger,
  ) {
    this.#redis = redis;
    // One listener for every waiting connection this makes: the current one closes with the records' client.
    redis.on('end', () => this.dropWaiter());
  }

  async confirm(): Promise<boolean> {
    // A Cluster client sends a keyless WAIT to any node, not the key's primary: nothing to wait on there.
    if (this.waitMs <= 0 || this.#redis.isCluster || (await this.replicas()) === 0) return true;
    if (this.#inFlight) {
      this.#next ??= this.#inFlight
        .catch(() => false)
        .then(() => {
          this.#next = undefined;
          return this.confirm();
        });
      return this.#next;
    }
    this.#inFlight = this.round().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  /** The mark, then `WAIT 1`, on the waiting connection: whether a replica holds everything this process wrote. */
  private async round(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    // Bounded here too: a waiting connection that never comes up, or a socket gone silent, must not hold the payments.
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('no answer'), { name: 'TimeoutError' })), this.waitMs + 1_000);
    });
    try {
      const waiter = this.waiter();
      const marked = await Promise.race([this.epoch.markWritten(waiter), silent]);
      if (!marked) {
        // Left on a server that no longer holds them (a demoted primary, say): the next round connects afresh.
        this.dropWaiter();
        return this.refused('the server the waiting connection reached does not hold the latest claims (a failover?)');
      }
      const acked = Number(await Promise.race([waiter.wait(1, this.waitMs), silent]));
      return acked >= 1 || this.refused(`no replica of the primary held a claim within ${this.waitMs} ms`);
    } catch (error) {
      // A connection that timed out may be half-open: the next round opens another.
      if ((error as Error)?.name === 'TimeoutError') this.dropWaiter();
      return this.refused(`could not wait for a replica (${(error as Error)?.name ?? 'error'})`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs why claims are refused, once a minute; answers false. */
  private refused(why: string): false {
    if (Date.now() - this.refusedAt > 60_000) {
      this.refusedAt = Date.now();
      this.logger.warn(`Redis payment records: ${why}: payments are refused (not sent) meanwhile; replicaWaitMs: 0 stops waiting`);
    }
    return false;
  }

  /** The connection WAIT runs on: the records' client duplicated, closed with it, opened again once it ended. */
  private waiter(): Redis {
    if (this.#redis.status === 'end') throw Object.assign(new Error('the Redis client is closed'), { name: 'ClosedError' });
    if (this.#waiter?.status === 'end') this.#waiter = undefined;
    if (!this.#waiter) {
      const waiter = this.#redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false });
      waiter.on('error', () => undefined);
      this.#waiter = waiter;
    }
    return this.#waiter;
  }

  private dropWaiter(): void {
    this.#waiter?.disconnect();
    this.#waiter = undefined;
  }

  /**
   * The primary's replicas online (`INFO replication`: a replica still syncing cannot acknowledge), read again
   * at most every 5 s. 0 when the server refuses INFO for good (an ACL, a renamed command): WAIT on a primary
   * without replicas would refuse every payment. Undefined, and waited on, when it failed otherwise (a
   * connection lost, a BUSY script).
   */
  private replicas(): Promise<number | undefined> {
    const now = Date.now();
    if (!this.replicasRead || now - this.replicasRead.at >= 5_000) {
      const count = this.#redis.info('replication').then(
        (info) => (info.match(/^slave\d+:.*\bstate=online\b/gm) ?? []).length,
        (error: unknown) => {
          if (!/NOPERM|unknown command/i.test(String((error as Error)?.message))) {
            if (this.replicasRead?.count === count) this.replicasRead = undefined;
            return undefined;
          }
          if (!this.infoRefused) {
            this.infoRefused = true;
            this.logger.warn('Redis payment records: INFO replication is refused here; claims are not waited for on replicas');
          }
          return 0;
        },
      );
      this.replicasRead = { at: now, count };
    }
    return this.replicasRead.count;
  }
}
