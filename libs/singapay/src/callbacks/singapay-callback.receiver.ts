import { BadRequestException, Injectable, Logger, PayloadTooLargeException, type OnModuleDestroy } from '@nestjs/common';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import type { SingapayException } from '../errors/singapay.exception.js';
import { SingapayPaymentProcessor } from '../payments/singapay-payment.processor.js';
import { SingapayTransactionsService } from '../service/singapay-transactions.service.js';
import { asRecord } from '../util/singapay-json.js';

/** Callbacks are small; anything far larger or deeper is not Singapay. */
export const SINGAPAY_CALLBACK_LIMITS = { maxBytes: 64 * 1024, maxDepth: 8, maxConcurrentLookups: 32 } as const;

const TRANSACTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface SingapayCallbackAck {
  received: true;
  transactionId: string;
}

function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || value === null || typeof value !== 'object') return depth;
  let max = depth;
  for (const child of Object.values(value as Record<string, unknown>)) {
    max = Math.max(max, depthOf(child, limit, depth + 1));
    if (max > limit) break;
  }
  return max;
}

/**
 * Receives Singapay's callbacks. They carry no signature, so the body is only
 * a hint: its `transaction_id` is looked up at Singapay and what the lookup
 * says is applied to the recorded payment (and announced on `settlements$`).
 * It acknowledges at once and confirms in the background; repeats and
 * out-of-order deliveries change nothing, since the lookup is the truth.
 * @publicApi
 */
@Injectable()
export class SingapayCallbackReceiver implements OnModuleDestroy {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private readonly confirming = new Map<string, Promise<void>>();
  private saturated = false;

  constructor(
    private readonly transactions: SingapayTransactionsService,
    private readonly payments: SingapayPaymentProcessor,
  ) {}

  /** Checks the shape, schedules the confirmation, and acknowledges. Throws 400/413 for bodies that are not callbacks. */
  receive(body: unknown): SingapayCallbackAck {
    const record = asRecord(body);
    if (!record) throw new BadRequestException('callback body must be a JSON object');
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(body));
    } catch {
      throw new BadRequestException('callback body is not serialisable JSON');
    }
    if (size > SINGAPAY_CALLBACK_LIMITS.maxBytes) throw new PayloadTooLargeException('callback body is too large');
    if (depthOf(body, SINGAPAY_CALLBACK_LIMITS.maxDepth) > SINGAPAY_CALLBACK_LIMITS.maxDepth) {
      throw new BadRequestException('callback body is nested too deeply');
    }
    const data = asRecord(Object.hasOwn(record, 'data') ? record.data : undefined);
    const transactionId = data && Object.hasOwn(data, 'transaction_id') ? data.transaction_id : undefined;
    if (typeof transactionId !== 'string' || !TRANSACTION_ID.test(transactionId)) {
      throw new BadRequestException('callback data.transaction_id is missing or malformed');
    }
    if (!this.confirming.has(transactionId)) {
      if (this.confirming.size >= SINGAPAY_CALLBACK_LIMITS.maxConcurrentLookups) {
        // The endpoint is unauthenticated: a flood must not become a flood of lookups at Singapay.
        // Acknowledged anyway; a genuine one is delivered again, and the reconciler catches up.
        if (!this.saturated) this.logger.warn('too many callbacks being confirmed at once; dropping extras until they drain');
        this.saturated = true;
        return { received: true, transactionId };
      }
      this.saturated = false;
      const work = this.confirm(transactionId).finally(() => this.confirming.delete(transactionId));
      this.confirming.set(transactionId, work);
    }
    return { received: true, transactionId };
  }

  /** Resolves when every confirmation started so far has finished (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.confirming.size > 0) await Promise.allSettled([...this.confirming.values()]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.drain();
  }

  private async confirm(transactionId: string): Promise<void> {
    try {
      const tx = await this.transactions.getTransaction(transactionId);
      const payment = await this.payments.applyConfirmedTransaction(tx, 'callback');
      this.logger.log(`callback confirmed transaction status=${tx.status}${payment ? '' : ' (no payment recorded for it)'}`);
    } catch (error) {
      this.logger.warn(`callback could not be confirmed: ${(error as SingapayException).responseType ?? 'error'}; the reconciler or the next delivery will retry`);
    }
  }
}
