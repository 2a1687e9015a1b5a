import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SingapaySimulatorCallbacks } from './simulator-callbacks.js';
import { SingapaySimulatorControl } from './simulator-control.js';
import { SingapaySimulatorFaultInjector } from './simulator-fault-injector.js';
import { SingapaySimulatorFaults } from './simulator-faults.js';
import { SingapaySimulatorHandlers, type SimulatorRuntime } from './simulator-handlers.js';
import {
  resolveSimulatorOptions,
  simulatorNetPrice,
  type SimulatorResolvedOptions,
  type SingapaySimulatorCredentials,
  type SingapaySimulatorOptions,
} from './simulator-options.js';
import { SIMULATOR_CONTROL_PREFIX, SingapaySimulatorRouter } from './simulator-router.js';
import { SingapaySimulatorSettlement } from './simulator-settlement.js';
import { SingapaySimulatorState, type SimulatorTransactionRecord } from './simulator-state.js';
import type { SingapaySimulatorLedger, SingapaySimulatorLedgerEntry, SingapaySimulatorStats } from './simulator-reports.js';

export type { SingapaySimulatorLedger, SingapaySimulatorLedgerEntry, SingapaySimulatorStats } from './simulator-reports.js';
import { SingapaySimulatorTokens } from './simulator-token.js';
import { newReferenceNumber, newTransactionId } from './simulator-ids.js';
import { SIMULATOR_COMMANDS } from './simulator-api-docs.js';

/** A transaction of the simulator's ledger, in plain numbers (epoch ms, whole rupiah): its record without the bookkeeping. */
export type SingapaySimulatorTransaction = Readonly<Omit<SimulatorTransactionRecord, 'sequence' | 'steps' | 'nextStepAt'>>;

/**
 * An in-process imitation of Singapay's Biller B2B API over real HTTP, for
 * tests and local runs. Start one per test file (a few ms); drive and inspect
 * it through the methods below.
 */
export class SingapaySimulator {
  readonly baseUrl: string;
  readonly port: number;
  readonly credentials: Readonly<SingapaySimulatorCredentials>;
  /** Fault rules: scripted latency, hangs, resets, HTML pages, cut JSON, forced codes. See the README. */
  readonly faults: SingapaySimulatorFaults;
  /** Base URL of the HTTP control interface (`<baseUrl>/__simulator`). */
  readonly controlUrl: string;

  readonly #options: SimulatorResolvedOptions;
  readonly #server: Server;
  readonly #tokens: SingapaySimulatorTokens;
  readonly #callbacks: SingapaySimulatorCallbacks;
  readonly #settlement: SingapaySimulatorSettlement;
  readonly #injector: SingapaySimulatorFaultInjector;
  #state: SingapaySimulatorState;
  #clockOffsetMs = 0;
  #stopped: Promise<void> | undefined;

  private constructor(options: SimulatorResolvedOptions, server: Server) {
    this.#options = options;
    this.#server = server;
    this.#state = new SingapaySimulatorState(options.initialBalance);
    this.credentials = Object.freeze({ ...options.credentials });
    const now = (): number => this.now();
    this.#tokens = new SingapaySimulatorTokens(options.tokenLifetimeSeconds, now, options.credentials.clientId);
    this.#callbacks = new SingapaySimulatorCallbacks(
      options.callbackUrl,
      options.callbackAttempts,
      options.callbackBackoffMs,
      () => this.#state.callbacks,
      options.variants.codes,
    );
    this.#settlement = new SingapaySimulatorSettlement(() => this.#state, now, options.settleDelayMs, this.#callbacks, options.variants);
    const runtime: SimulatorRuntime = { options, settlement: this.#settlement, state: () => this.#state, now };
    this.faults = new SingapaySimulatorFaults(options.faultSeed);
    this.#injector = new SingapaySimulatorFaultInjector(this.faults);
    const router = new SingapaySimulatorRouter(
      runtime,
      this.#tokens,
      new SingapaySimulatorHandlers(runtime),
      this.#injector.hook,
      new SingapaySimulatorControl(this).handle,
    );
    server.on('request', router.listener);
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.baseUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    this.controlUrl = `${this.baseUrl}${SIMULATOR_CONTROL_PREFIX}`;
  }

  static async start(options: SingapaySimulatorOptions = {}): Promise<SingapaySimulator> {
    const resolved = resolveSimulatorOptions(options);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new SingapaySimulator(resolved, server);
  }

  /** Closes the server and its keep-alive sockets (hung requests included), cancels timers and callbacks. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      this.#injector.shutdown();
      this.#settlement.clear();
      this.#callbacks.abortAll();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#stopped;
  }

  /** The simulator's clock: the `now` option plus everything `advance()` added. */
  now(): number {
    return this.#options.now() + this.#clockOffsetMs;
  }

  /** Counters for assertions such as "exactly one payment reached Singapay". */
  stats(): SingapaySimulatorStats {
    const s = this.#state;
    const injected = this.faults.injected();
    return {
      tokenRequests: s.tokenRequests,
      tokensIssued: s.tokensIssued,
      requests: Object.fromEntries(s.requestsByPath),
      paymentsReceived: s.paymentsReceived,
      paymentsByReference: Object.fromEntries(s.paymentsByReference),
      paymentsByCustomer: Object.fromEntries(s.paymentsByCustomer),
      transactions: s.transactions.size,
      balance: s.balance,
      callbacks: { ...s.callbacks },
      controlRequests: s.controlRequests,
      faults: { injected: injected.total, byKind: injected.byKind },
    };
  }

  /** Payments applied (transactions created, money drawn), for assertions such as "paid once, whatever the client saw". */
  ledger(): SingapaySimulatorLedger {
    const transactions = [...this.#state.transactions.values()]
      .sort((a, b) => a.sequence - b.sequence)
      .map((tx): SingapaySimulatorLedgerEntry => ({
        transactionId: tx.transactionId,
        referenceNumber: tx.referenceNumber,
        customerId: tx.customerId,
        productCode: tx.productCode,
        command: tx.command,
        status: tx.status,
        amount: tx.amount,
        price: tx.price,
        createdAt: tx.createdAt,
      }));
    // Maps, not object literals: a customer id such as "__proto__" is valid for game top-ups.
    const byReference = new Map<string, number>();
    const byCustomer = new Map<string, number>();
    for (const tx of transactions) {
      byReference.set(tx.referenceNumber, (byReference.get(tx.referenceNumber) ?? 0) + 1);
      byCustomer.set(tx.customerId, (byCustomer.get(tx.customerId) ?? 0) + 1);
    }
    return {
      transactions,
      applied: transactions.length,
      appliedByReference: Object.fromEntries(byReference),
      appliedByCustomer: Object.fromEntries(byCustomer),
      balance: this.#state.balance,
    };
  }

  /** Payment requests received for one reference number or one customer id. */
  paymentsFor(query: { referenceNumber: string } | { customerId: string }): number {
    return 'referenceNumber' in query
      ? (this.#state.paymentsByReference.get(query.referenceNumber) ?? 0)
      : (this.#state.paymentsByCustomer.get(query.customerId) ?? 0);
  }

  /** The ledger, newest first. */
  transactions(): SingapaySimulatorTransaction[] {
    return this.#state.transactionsNewestFirst().map(snapshot);
  }

  transaction(transactionId: string): SingapaySimulatorTransaction | undefined {
    const tx = this.#state.transactions.get(transactionId);
    return tx ? snapshot(tx) : undefined;
  }

  /**
   * Fills the ledger with `count` settled Telkomsel pulsa purchases (`SPTLKMAS10`), their creation
   * times spread evenly over `[fromMs, toMs)`, each with a customer and a reference of its own: a busy
   * merchant's history, for reports and list reads at volume. The balance is left as it is: the
   * history was paid for before. Returns the transaction ids, oldest first.
   */
  seedTransactions(spec: { count: number; fromMs: number; toMs: number }): string[] {
    const { count, fromMs, toMs } = spec;
    if (!Number.isSafeInteger(count) || count < 0 || count > 2_000_000)
      throw new RangeError('seedTransactions count must be from 0 to 2,000,000');
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) throw new RangeError('seedTransactions needs fromMs < toMs');
    const step = (toMs - fromMs) / Math.max(1, count);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const at = Math.floor(fromMs + i * step);
      const tx = this.#state.addTransaction({
        transactionId: newTransactionId(at, this.#options.variants.transactionIdTime),
        referenceNumber: newReferenceNumber('SPTLKMAS10', at),
        command: 'pulsa',
        productCode: 'SPTLKMAS10',
        customerId: `0899${String(this.#state.sequence + 1).padStart(8, '0')}`,
        customerName: null,
        transactionType: SIMULATOR_COMMANDS.pulsa.family,
        status: 'success',
        amount: 10_000,
        price: 11_000,
        netPrice: simulatorNetPrice(11_000, this.#options.variants),
        period: null,
        inquiredAt: null,
        paidAt: at,
        createdAt: at,
        token: null,
        steps: [],
        nextStepAt: null,
      });
      ids.push(tx.transactionId);
    }
    return ids;
  }

  /** Deposit balance in whole rupiah. */
  get balance(): number {
    return this.#state.balance;
  }

  setBalance(rupiah: number): void {
    if (!Number.isFinite(rupiah)) throw new RangeError('balance must be a finite number');
    this.#state.balance = rupiah;
  }

  /**
   * Fresh state: balance, ledger, inquiries, paid bills, daily usage and
   * counters; no fault rules, and the fault generator rewound to its seed.
   * Issued tokens stay valid (use `revokeTokens()`) and the clock keeps what
   * `advance()` added.
   */
  reset(): void {
    this.#settlement.clear();
    this.#callbacks.abortAll();
    this.#state = new SingapaySimulatorState(this.#options.initialBalance);
    // A rule left by one test must not fault the next one, and a seeded run must not depend on test order.
    this.faults.reset();
  }

  /** Makes every token issued so far invalid: the next business call gets 401. */
  revokeTokens(): void {
    this.#tokens.revokeAll();
  }

  /** Settles every pending purchase and issues every PLN token now. Those of "stays pending" customers stay pending. */
  settleAll(): void {
    this.#settlement.settleAll();
  }

  /**
   * Refunds a transaction that succeeded: the deposit gets its net price back, the status turns
   * `refunded`, a callback with code 50 is sent and a bill is unpaid again. Throws unless the
   * transaction exists and is in `success`.
   */
  refund(transactionId: string): void {
    this.#settlement.refundSuccess(transactionId);
  }

  /**
   * Sends a transaction's callback again, as Singapay's dashboard can by hand (`00` for a success,
   * `50` for a refund), whatever the first delivery's fate. Throws for a transaction that has none.
   */
  resendCallback(transactionId: string): void {
    this.#settlement.resendCallback(transactionId);
  }

  /** Moves the simulator's clock forward: tokens and references expire, due settlements run. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance() takes a duration >= 0');
    this.#clockOffsetMs += ms;
    this.#settlement.advanceTo(this.now());
  }

  /** Makes every inquiry reference unpayable (as if `inquiryTtlMs` had passed), nothing else. */
  expireReferences(): void {
    const now = this.now();
    for (const inquiry of this.#state.inquiries.values()) inquiry.expiresAt = Math.min(inquiry.expiresAt, now);
  }

  /** Resolves once every callback sent so far was delivered or given up on. */
  flushCallbacks(): Promise<void> {
    return this.#callbacks.flush();
  }
}

function snapshot(tx: SimulatorTransactionRecord): SingapaySimulatorTransaction {
  // A copy, so that a test holding it never sees (or causes) later changes.
  const { sequence: _sequence, steps: _steps, nextStepAt: _nextStepAt, ...rest } = tx;
  return { ...rest };
}
