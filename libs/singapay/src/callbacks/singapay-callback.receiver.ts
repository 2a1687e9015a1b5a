import {
  BadRequestException,
  Injectable,
  Logger,
  PayloadTooLargeException,
  ServiceUnavailableException,
  type OnModuleDestroy,
} from '@nestjs/common';
import { isUnknownSingapayTransaction, SingapayBillerApi } from '../biller/singapay-biller.api.js';
import { isSingapayTransactionId } from '../biller/singapay-biller.readers.js';
import type { SingapayException } from '../errors/singapay.exception.js';
import { SingapayPaymentConfirmations } from '../payments/recovery/singapay-payment.confirmations.js';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import { asRecord } from '../util/singapay-json.js';
import { hashIdempotencyKey } from '../util/singapay-log.js';
import { SingapayTelemetry } from '../telemetry/singapay-telemetry.service.js';
import { SINGAPAY_CALLBACK_QUEUE_LIMITS, SingapayCallbackQueue } from './singapay-callback.queue.js';

/** Callbacks are small; anything far larger or deeper is not Singapay. (The queue's sizes: SINGAPAY_CALLBACK_QUEUE_LIMITS.) */
const SINGAPAY_CALLBACK_LIMITS = Object.freeze({ maxBytes: 64 * 1024, maxDepth: 8 });

export interface SingapayCallbackAck {
  received: true;
  transactionId: string;
}

/** Whether anything in `value` (an object or a plain value) sits more than `limit` levels down; stops at the first that does. */
function deeperThan(value: unknown, limit: number): boolean {
  return limit < 0 || (value !== null && typeof value === 'object' && Object.values(value).some((child) => deeperThan(child, limit - 1)));
}

/**
 * Receives Singapay's callbacks. They carry no signature, so the body is only
 * a hint: its `transaction_id` is looked up at Singapay and what the lookup
 * says is applied to the recorded payment (and announced on `settlements$`).
 * Each id is queued once (a repeat joins it; one that comes while its lookup runs gets another), confirmed in the background,
 * and retried while Singapay fails. A callback is only acknowledged when it was
 * queued (with the queue full it gets 503, because Singapay does not resend a
 * callback it got a 200 for), and one that may be ours (a payment holds its id,
 * or may be waiting for it) only once its confirmation went through.
 * @publicApi
 */
@Injectable()
export class SingapayCallbackReceiver implements OnModuleDestroy {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private readonly queue: SingapayCallbackQueue;
  private lastFullWarning = 0;
  private stopped = false;

  constructor(
    private readonly biller: SingapayBillerApi,
    private readonly confirmations: SingapayPaymentConfirmations,
    telemetry: SingapayTelemetry,
  ) {
    this.queue = new SingapayCallbackQueue(
      SINGAPAY_CALLBACK_QUEUE_LIMITS,
      (id) => this.confirm(id),
      (_id, error) =>
        this.logger.warn(
          `callback could not be confirmed: ${(error as SingapayException).responseType ?? 'error'}; left to Singapay's next delivery`,
        ),
    );
    telemetry.watchCallbackQueue(() => this.queue.size);
  }

  /**
   * Checks the shape and queues the confirmation. Throws 400/413 for bodies that are
   * not callbacks, 503 when the queue has no room (the sender should retry later).
   */
  async receive(body: unknown): Promise<SingapayCallbackAck> {
    const record = asRecord(body);
    if (!record) throw new BadRequestException('callback body must be a JSON object');
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(body));
    } catch {
      throw new BadRequestException('callback body is not serialisable JSON');
    }
    if (size > SINGAPAY_CALLBACK_LIMITS.maxBytes) throw new PayloadTooLargeException('callback body is too large');
    if (deeperThan(body, SINGAPAY_CALLBACK_LIMITS.maxDepth)) throw new BadRequestException('callback body is nested too deeply');
    const data = asRecord(Object.hasOwn(record, 'data') ? record.data : undefined);
    const transactionId = data && Object.hasOwn(data, 'transaction_id') ? data.transaction_id : undefined;
    if (!isSingapayTransactionId(transactionId)) throw new BadRequestException('callback data.transaction_id is missing or malformed');
    const customerId = typeof data!.customer_id === 'string' ? data!.customer_id : undefined;
    // A store that cannot tell whether an open payment waits for this is no ground for a 200.
    const claim = await this.confirmations.mayHold(transactionId, customerId).catch(() => {
      throw new ServiceUnavailableException('the payment store could not be read; deliver the callback again later');
    });
    if (this.queue.offer(transactionId, claim !== undefined) === 'full') {
      const now = Date.now();
      if (now - this.lastFullWarning > 10_000) {
        this.lastFullWarning = now;
        this.logger.warn('callback queue is full: answering 503 so that Singapay delivers again later');
      }
      throw new ServiceUnavailableException('callback queue is full; deliver it again later');
    }
    // What may be the only word of a payment of ours waits until it is kept (applied, or held as evidence
    // on the payment's record): until then, and if that failed, 503 asks for another delivery while the
    // queue keeps trying. That includes a payment that holds the id: a settled one is never looked up
    // again, so a refund acknowledged and then given up by the queue (or dropped at shutdown) is lost.
    if (claim !== undefined && !(await this.queue.attempt(transactionId))) {
      throw new ServiceUnavailableException('the callback could not be confirmed yet; deliver it again later');
    }
    return { received: true, transactionId };
  }

  /** Resolves when every callback queued so far is confirmed or given up (tests, shutdown). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  async onModuleDestroy(): Promise<void> {
    // Shutdown waits up to 5 s for the lookups under way; what still waits after that was not acknowledged
    // (Singapay delivers it again), or no payment of ours could hold it, and a lookup still running writes nothing.
    await Promise.race([this.queue.drain(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    this.stopped = true;
    this.queue.stop();
  }

  private async confirm(transactionId: string): Promise<void> {
    const tx = await this.biller.getTransaction(transactionId).catch(async (error: unknown) => {
      // Singapay does not know it: forged, or not ours. Nothing to retry. Unless a payment holds it: that id
      // came from Singapay's own answer, and "not found" for it is the lookup gone wrong (another account's
      // credentials, a moved path), never grounds to acknowledge what may be its refund.
      if (isUnknownSingapayTransaction(error) && (await this.confirmations.mayHold(transactionId)) !== 'held') return undefined;
      throw error;
    });
    if (!tx) return;
    // A lookup that outlived the shutdown's wait: its callback was answered 503 and comes again to a process
    // that can both write it and announce it; written here, it would be announced on a stream closing with the module.
    if (this.stopped) throw new Error('stopped: the callback is left to its next delivery');
    const { outcome, record } = await this.confirmations.apply(tx, 'callback');
    const whose = record
      ? `payment key=${hashIdempotencyKey(record.key)} state=${record.state}`
      : outcome === 'undecided'
        ? 'several open payments could hold it: not kept, to be delivered again'
        : 'no payment recorded for it';
    this.logger.log(`callback confirmed transaction ${transactionId} status=${tx.status}: ${whose}`);
    // Several open payments could hold it: nothing was kept, so it must come again (503), never be dropped.
    if (outcome === 'undecided') throw new Error('undecided: several open payments could hold it');
  }
}
