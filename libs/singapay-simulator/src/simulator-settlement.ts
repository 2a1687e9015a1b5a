import { SIMULATOR_CALLBACK_COMMAND, SIMULATOR_RESPONSE_TEXTS } from './simulator-api-docs.js';
import type { SingapaySimulatorCallbacks } from './simulator-callbacks.js';
import { transactionView } from './simulator-envelopes.js';
import { newPlnToken } from './simulator-ids.js';
import type { SimulatorResolvedVariants } from './simulator-options.js';
import { billKey, type SimulatorTransactionRecord, type SingapaySimulatorState } from './simulator-state.js';

/**
 * Moves transactions through their remaining steps: on a real timer of
 * `settleDelayMs` per step, or at once through `settleAll()` / `advanceTo()`
 * so tests need not wait. Sends the callbacks of the end states.
 */
export class SingapaySimulatorSettlement {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly state: () => SingapaySimulatorState,
    private readonly now: () => number,
    private readonly settleDelayMs: number,
    private readonly callbacks: SingapaySimulatorCallbacks,
    private readonly variants: SimulatorResolvedVariants,
  ) {}

  /** Starts a fresh transaction's steps; sends its callback right away when it was born successful. */
  begin(tx: SimulatorTransactionRecord): void {
    if (tx.status === 'success' && (tx.steps.length === 0 || this.callsBackBeforeToken(tx))) this.notify(tx, '00');
    if (tx.steps.length > 0) this.schedule(tx, this.now() + this.settleDelayMs);
  }

  /** Runs every remaining step of every transaction (not those pending for ever, which have none). */
  settleAll(): void {
    for (const tx of this.state().transactions.values()) {
      while (tx.steps.length > 0) this.runStep(tx, false);
    }
  }

  /** Runs the steps due at or before `time` on the simulator's clock. */
  advanceTo(time: number): void {
    for (const tx of this.state().transactions.values()) {
      while (tx.nextStepAt !== null && tx.nextStepAt <= time) this.runStep(tx, true);
    }
  }

  /**
   * Refunds a transaction that succeeded, as Singapay may do later (code 50 "will be or has been
   * refunded"): the deposit is credited back, the status turns `refunded`, the 50 callback is sent
   * and a bill is unpaid again. Throws for an unknown id or a transaction not in `success`.
   */
  refundSuccess(transactionId: string): void {
    const tx = this.state().transactions.get(transactionId);
    if (!tx) throw new RangeError(`no transaction ${transactionId}`);
    if (tx.status !== 'success') throw new RangeError(`transaction ${transactionId} is ${tx.status}; only a success can be refunded`);
    // A PLN token not yet issued never will be.
    tx.steps = [];
    tx.nextStepAt = null;
    clearTimeout(this.timers.get(tx.transactionId));
    this.timers.delete(tx.transactionId);
    this.refund(tx);
  }

  /**
   * Sends a transaction's callback again, as Singapay's dashboard can by hand: `00` for a success,
   * `50` for a refund, with the transaction as it stands. Throws for an unknown id or a
   * transaction that has no callback (pending, failed).
   */
  resendCallback(transactionId: string): void {
    const tx = this.state().transactions.get(transactionId);
    if (!tx) throw new RangeError(`no transaction ${transactionId}`);
    if (tx.status !== 'success' && tx.status !== 'refunded') {
      throw new RangeError(`transaction ${transactionId} is ${tx.status}; only a success or a refund has a callback`);
    }
    this.notify(tx, tx.status === 'success' ? '00' : '50');
  }

  /** A success whose PLN token comes later, called back at once (`variants.plnTokenCallback`). */
  private callsBackBeforeToken(tx: SimulatorTransactionRecord): boolean {
    return tx.steps[0] === 'issueToken' && this.variants.plnTokenCallback !== 'afterToken';
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(tx: SimulatorTransactionRecord, dueAt: number): void {
    tx.nextStepAt = dueAt;
    const timer = setTimeout(() => {
      this.timers.delete(tx.transactionId);
      // The state may have been reset since; a stale record is left alone.
      if (this.state().transactions.get(tx.transactionId) === tx && tx.steps.length > 0) this.runStep(tx, false);
    }, this.settleDelayMs);
    timer.unref();
    this.timers.set(tx.transactionId, timer);
  }

  private runStep(tx: SimulatorTransactionRecord, onSchedule: boolean): void {
    const step = tx.steps.shift();
    const ranAt = onSchedule && tx.nextStepAt !== null ? tx.nextStepAt : this.now();
    clearTimeout(this.timers.get(tx.transactionId));
    this.timers.delete(tx.transactionId);
    tx.nextStepAt = null;
    switch (step) {
      case 'issueToken':
        tx.token = newPlnToken();
        if (this.variants.plnTokenCallback !== 'atSuccess') this.notify(tx, '00');
        break;
      case 'succeed':
        tx.status = 'success';
        if (tx.command === 'plntok') tx.token = newPlnToken();
        this.notify(tx, '00');
        break;
      case 'fail':
        // Singapay may send no callback for a failure; the refund that follows has one.
        tx.status = 'failed';
        break;
      case 'failForGood':
        // A failure that ends it: nothing stays drawn, and no callback says so (the docs: failures may never have one).
        tx.status = 'failed';
        this.giveBack(tx);
        break;
      case 'refund':
        this.refund(tx);
        break;
      default:
        return;
    }
    if (tx.steps.length > 0) this.schedule(tx, ranAt + this.settleDelayMs);
  }

  /**
   * Gives the deposit back and sends the 50 callback. A refunded bill is unpaid again: a new
   * inquiry of it answers a bill, not 21 (its old reference stays spent).
   */
  private refund(tx: SimulatorTransactionRecord): void {
    tx.status = 'refunded';
    this.giveBack(tx);
    this.notify(tx, '50');
  }

  private giveBack(tx: SimulatorTransactionRecord): void {
    this.state().balance += tx.netPrice;
    if (tx.transactionType === 'postpaid') this.state().paidBills.delete(billKey(tx.productCode, tx.customerId));
  }

  // The documented callback of a success reads "Operation completed successfully"; a refund's text is not shown.
  private notify(tx: SimulatorTransactionRecord, code: '00' | '50'): void {
    this.callbacks.send(tx.transactionId, {
      command: SIMULATOR_CALLBACK_COMMAND,
      response_code: code,
      response_text: SIMULATOR_RESPONSE_TEXTS[code],
      data: transactionView(tx, true, this.variants),
    });
  }
}
