/**
 * The fault matrix: operation class x fault x response code, generated from
 * SINGAPAY_RESPONSE_CODES, each case checked over real HTTP against the simulator
 * for the number of requests that reached it, the outcome, and (for payments)
 * the recorded state against the simulator's ledger once everything settled.
 */
import {
  SINGAPAY_RESPONSE_CODES,
  SingapayException,
  SingapayTransportException,
  singapayResponseCodeInfo,
  type SingapayCallOptions,
  type SingapayCommand,
  type SingapayPaymentResult,
  type SingapayService,
} from '@app/singapay';
import { SINGAPAY_RETRY_DEFAULTS } from '@app/singapay/config/singapay-options.validation.js';
import { SINGAPAY_COMMANDS, SINGAPAY_GENERAL_PATHS, singapayProductPath } from '@app/singapay/contract/singapay-api.contract.js';
import { SingapaySimulator, type SingapaySimulatorFault, type SingapaySimulatorFaultEndpointName } from '@app/singapay-simulator';
import {
  ManualClock,
  closedPort,
  countPaymentRequests,
  createSingapayWithClock,
  ledgerEntries,
  pad,
  registerSimulatorSecrets,
  requestsTo,
  settle,
  singapayFailure,
} from '../support/adversarial-testing.js';
import type { SingapayTestContext } from '../support/singapay-testing.js';
import { SingapayInMemoryPaymentStore, type SingapayPaymentRecord } from '@app/singapay/stores/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_ATTEMPTS = SINGAPAY_RETRY_DEFAULTS.maxAttempts;
const NOT_FOUND_AFTER_MS = 2_000; // the smallest paymentNotFoundAfterMs resolveSingapayOptions accepts with timeoutMs 2_000
const HANG_TIMEOUT_MS = 120;
/** A code missing from the table: the `unrecognised` row. */
const UNRECOGNISED_CODE = '42';
const CODES = [...SINGAPAY_RESPONSE_CODES.map((r) => r.code), UNRECOGNISED_CODE];

interface FaultCase {
  name: string;
  /** Where the fault strikes: before sending, after sending, in the headers, in the body, or a code. */
  stage: 'before sending' | 'after sending' | 'headers' | 'body' | 'code';
  fault: SingapaySimulatorFault;
  /** Whether the simulator processes the request before the fault shapes the answer. */
  applies: boolean;
  code?: string;
}

const TRANSPORT_FAULTS: FaultCase[] = [
  { name: 'resetBeforeApply', stage: 'before sending', fault: { kind: 'resetBeforeApply' }, applies: false },
  { name: 'resetAfterApply', stage: 'after sending', fault: { kind: 'resetAfterApply' }, applies: true },
  { name: 'hang', stage: 'after sending', fault: { kind: 'hang' }, applies: false },
  { name: 'hang +apply', stage: 'after sending', fault: { kind: 'hang', apply: true }, applies: true },
  ...[502, 503].flatMap((status) =>
    [false, true].map((apply): FaultCase => ({
      name: `html ${status}${apply ? ' +apply' : ''}`,
      stage: 'headers',
      fault: { kind: 'html', status, apply },
      applies: apply,
    })),
  ),
  { name: 'truncated (applied)', stage: 'body', fault: { kind: 'truncated' }, applies: true },
  { name: 'truncated apply:false', stage: 'body', fault: { kind: 'truncated', apply: false }, applies: false },
];

const codeFaults = (withApply: boolean): FaultCase[] =>
  CODES.flatMap((code) =>
    (withApply ? [false, true] : [false]).map((apply): FaultCase => ({
      name: `code ${code}${apply ? ' +apply' : ''}`,
      stage: 'code',
      fault: apply ? { kind: 'code', code, apply: true } : { kind: 'code', code },
      applies: apply,
      code,
    })),
  );

/**
 * The HTTP status of every code but 00, 01, 04 and 06 is undocumented (the simulator answers 200). The docs quote
 * the usual gRPC-to-HTTP mapping for the codes named after gRPC's: each such code is also tried on that status,
 * where the module must still go by the code.
 */
const GRPC_HTTP_STATUS: Readonly<Record<string, number>> = {
  '02': 499,
  '03': 500,
  '05': 504,
  '07': 409,
  '08': 403,
  '09': 429,
  '10': 400,
  '11': 409,
  '12': 400,
  '13': 501,
  '14': 503,
  '15': 500,
  '16': 401,
  '99': 500,
};
const grpcStatusFaults = (withApply: boolean): FaultCase[] =>
  Object.entries(GRPC_HTTP_STATUS).flatMap(([code, httpStatus]) =>
    (withApply ? [false, true] : [false]).map((apply): FaultCase => ({
      name: `code ${code} on HTTP ${httpStatus}${apply ? ' +apply' : ''}`,
      stage: 'code',
      fault: apply ? { kind: 'code', code, httpStatus, apply: true } : { kind: 'code', code, httpStatus },
      applies: apply,
      code,
    })),
  );

const callFor = (fc: FaultCase): SingapayCallOptions | undefined => (fc.fault.kind === 'hang' ? { timeoutMs: HANG_TIMEOUT_MS } : undefined);

// ---------------------------------------------------------------------------------------------
// Reads and inquiries
// ---------------------------------------------------------------------------------------------

interface ReadExpectation {
  requests: number;
  type: string;
  code: string | null;
  status: number;
  /** The call succeeds: a list answered 00 without data, or 06, is an empty list. */
  ok?: true;
}

/** What the module's rules say a read or an inquiry does when every attempt meets `fc`. */
function expectedRead(fc: FaultCase, op: ReadOperation): ReadExpectation {
  if (fc.code !== undefined) {
    const info = singapayResponseCodeInfo(fc.code);
    // How Singapay answers an empty search is undocumented: both are read as "no rows".
    if (op.endpoint === 'list' && (fc.code === '00' || fc.code === '06'))
      return { requests: 1, type: '', code: fc.code, status: 200, ok: true };
    // 00 with no data: a success whose fields are missing, read once (the answer was JSON and had a code).
    if (fc.code === '00') return { requests: 1, type: 'malformed_response', code: '00', status: 502 };
    // 01 where no pending is expected: not a success, not retryable.
    if (fc.code === '01') return { requests: 1, type: 'pending', code: '01', status: 502 };
    // 16: the token is dropped and the call replayed once with a new one.
    if (fc.code === '16') return { requests: 2, type: 'unauthenticated', code: '16', status: 502 };
    return { requests: info.retryable ? MAX_ATTEMPTS : 1, type: info.type, code: fc.code, status: info.httpStatus };
  }
  switch (fc.fault.kind) {
    case 'resetBeforeApply':
    case 'resetAfterApply':
      return { requests: MAX_ATTEMPTS, type: 'connection_reset', code: null, status: 502 };
    case 'hang':
      return { requests: MAX_ATTEMPTS, type: 'timeout', code: null, status: 504 };
    default:
      return { requests: MAX_ATTEMPTS, type: 'malformed_response', code: null, status: 502 };
  }
}

interface ReadOperation {
  name: string;
  endpoint: SingapaySimulatorFaultEndpointName;
  path: string;
  run(service: SingapayService, call: SingapayCallOptions | undefined, n: number): Promise<unknown>;
}

let existingTransactionId = '';

const READ_OPERATIONS: ReadOperation[] = [
  { name: 'read checkBalance', endpoint: 'balance', path: SINGAPAY_GENERAL_PATHS.checkBalance, run: (s, call) => s.checkBalance(call) },
  {
    name: 'read getTransaction',
    endpoint: 'detail',
    path: SINGAPAY_GENERAL_PATHS.detailTransaction,
    run: (s, call) => s.getTransaction(existingTransactionId, call),
  },
  {
    name: 'read listTransactions',
    endpoint: 'list',
    path: SINGAPAY_GENERAL_PATHS.listTransactions,
    run: (s, call) => s.listTransactions({ customerId: '081200001234' }, call),
  },
  {
    name: 'inquiry (plnpos)',
    endpoint: 'inquiry',
    path: singapayProductPath('v2', 'postpaid', 'inquiry'),
    run: (s, call, n) => s.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: `1463${pad(n, 6)}1234` }, call),
  },
];

const READ_FAULTS = [...TRANSPORT_FAULTS, ...codeFaults(false), ...grpcStatusFaults(false)];

describe('fault matrix: reads and inquiries', () => {
  let sim: SingapaySimulator;
  let ctx: SingapayTestContext;
  let n = 0;

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, faultSeed: 1 });
    registerSimulatorSecrets(sim);
    ctx = await createSingapayWithClock(
      { baseUrl: sim.baseUrl, ...sim.credentials, retry: { baseDelayMs: 5 }, timeoutMs: 2_000 },
      new ManualClock(),
    );
    const paid = await ctx.service.pay({
      command: 'pulsa',
      productCode: 'SPTLKMAS10',
      customerId: '081200001234',
      idempotencyKey: 'matrix-seed',
    });
    if (paid.status === 'unknown') throw new Error('seed payment failed');
    existingTransactionId = paid.transactionId;
  });
  afterAll(async () => {
    await ctx.close();
    await sim.stop();
  });
  afterEach(() => {
    sim.faults.clear();
  });

  const cases = READ_OPERATIONS.flatMap((op) => READ_FAULTS.map((fc) => [op.name, fc.stage, fc.name, op, fc] as const));

  it.each(cases)('%s x %s x %s', async (_op, _stage, _fault, op, fc) => {
    const expected = expectedRead(fc, op);
    // Every attempt meets the fault.
    sim.faults.add({ endpoint: op.endpoint, fault: fc.fault });
    const before = requestsTo(sim, op.path);
    if (expected.ok) {
      const page = (await op.run(ctx.service, callFor(fc), ++n)) as { items: unknown[]; pagination: unknown };
      expect(page).toMatchObject({ items: [], pagination: null });
      expect(requestsTo(sim, op.path) - before).toBe(1);
      return;
    }
    const e = await singapayFailure(() => op.run(ctx.service, callFor(fc), ++n));
    expect(requestsTo(sim, op.path) - before).toBe(expected.requests);
    expect({ type: e.responseType, code: e.responseCode, status: e.getStatus() }).toEqual({
      type: expected.type,
      code: expected.code,
      status: expected.status,
    });
    expect(e.delivery).not.toBe('not_sent');

    // Only the first attempt meets it: a retried (or replayed) call recovers, the others fail the same way at once.
    sim.faults.clear();
    sim.faults.add({ endpoint: op.endpoint, fault: fc.fault, times: 1 });
    const again = requestsTo(sim, op.path);
    const second = await settle(op.run(ctx.service, callFor(fc), ++n));
    if (expected.requests > 1) {
      expect(second.ok).toBe(true);
      expect(requestsTo(sim, op.path) - again).toBe(2);
    } else {
      expect(second.ok).toBe(false);
      expect((second as { error: SingapayException }).error.responseType).toBe(expected.type);
      expect(requestsTo(sim, op.path) - again).toBe(1);
    }
  });

  it.each(READ_OPERATIONS.map((op) => [op.name, op] as const))(
    '%s x before sending x connection refused: retried, reported not sent',
    async (_name, op) => {
      const refused = await createSingapayWithClock(
        { baseUrl: `http://127.0.0.1:${await closedPort()}`, ...sim.credentials, retry: { baseDelayMs: 5 }, timeoutMs: 2_000 },
        new ManualClock(),
      );
      try {
        const e = await singapayFailure(() => op.run(refused.service, undefined, ++n));
        expect(e).toBeInstanceOf(SingapayTransportException);
        expect([e.responseType, e.delivery, e.getStatus()]).toEqual(['connection_failed', 'not_sent', 503]);
      } finally {
        await refused.close();
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Payments
// ---------------------------------------------------------------------------------------------

interface PaymentFlow {
  name: string;
  command: SingapayCommand;
  productCode: string;
  customerId(n: number): string;
  /** The transaction's status right after it is applied (before settling). */
  appliedStatus: 'success' | 'pending';
}

const FLOWS: PaymentFlow[] = [
  {
    name: 'payment, inquiry flow (plnpos)',
    command: 'plnpos',
    productCode: 'SPPLNPOS',
    customerId: (n) => `1463${pad(n, 6)}1234`,
    appliedStatus: 'success',
  },
  {
    name: 'payment, direct purchase (pulsa)',
    command: 'pulsa',
    productCode: 'SPTLKMAS10',
    customerId: (n) => `08${pad(n, 6)}1234`,
    appliedStatus: 'pending',
  },
];

const paymentPath = (command: SingapayCommand) => singapayProductPath('v2', SINGAPAY_COMMANDS[command].family, 'payment');

/** Where the payment ends when it need not match the ledger (a contradictory fault, or Singapay's word without a transaction). */
type FinalState = { state: 'failed'; reason: 'rejected' } | { state: 'refunded' } | { state: 'unknown' };

type PaymentExpectation =
  | { requests: number; received: number; applied: number; throws: { code: string; type: string; status: number }; final?: FinalState }
  | {
      requests: number;
      received: number;
      applied: number;
      status: 'success' | 'pending' | 'unknown';
      responseCode?: string;
      final?: FinalState;
    };

/** What the module's rules say `pay()` does when its request meets `fc` (every time it is sent). */
function expectedPayment(fc: FaultCase, flow: PaymentFlow): PaymentExpectation {
  const found = fc.applies ? flow.appliedStatus : 'unknown';
  if (fc.code !== undefined) {
    const info = singapayResponseCodeInfo(fc.code);
    const applied = fc.applies ? 1 : 0;
    if (info.paymentOutcome === 'rejected') {
      // A definitive refusal is trusted. When the simulator applied it anyway ("+apply"), the
      // recorded `failed` cannot match the ledger: Singapay said it refused; that is the documented trade-off.
      // 16 inside a business answer came from past the gateway: a payment is not replayed on it
      // (only an HTTP 401 at the gateway is), so every refusal code means exactly one request.
      return {
        requests: 1,
        received: applied,
        applied,
        throws: { code: fc.code, type: info.type, status: info.httpStatus },
        ...(fc.applies ? { final: { state: 'failed', reason: 'rejected' } as const } : {}),
      };
    }
    if (info.paymentOutcome === 'refunded') {
      // 50: Singapay's word that the money comes back; final, whatever the ledger shows.
      return {
        requests: 1,
        received: applied,
        applied,
        throws: { code: '50', type: 'payment_refunded', status: 409 },
        final: { state: 'refunded' },
      };
    }
    // 51 (and a 00 / 01 that could not be read) say it went through: without a transaction to show
    // for it the payment stays unknown, never "not found".
    const saidApplied = ['applied', 'success', 'pending'].includes(info.paymentOutcome);
    const final = saidApplied && !fc.applies ? { final: { state: 'unknown' } as const } : {};
    // Uncertain codes, and 00 / 01 without the data a success needs: unknown, resolved by a lookup.
    return { requests: 1, received: applied, applied, status: found, responseCode: fc.code, ...final };
  }
  return { requests: 1, received: fc.applies ? 1 : 0, applied: fc.applies ? 1 : 0, status: found };
}

describe('fault matrix: payments', () => {
  let sim: SingapaySimulator;
  let ctx: SingapayTestContext;
  let clock: ManualClock;
  let n = 0;

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, faultSeed: 2 });
    registerSimulatorSecrets(sim);
    clock = new ManualClock();
    ctx = await createSingapayWithClock(
      { baseUrl: sim.baseUrl, ...sim.credentials, retry: { baseDelayMs: 5 }, timeoutMs: 2_000, paymentNotFoundAfterMs: NOT_FOUND_AFTER_MS },
      clock,
    );
  });
  afterAll(async () => {
    await ctx.close();
    await sim.stop();
  });
  beforeEach(() => {
    sim.reset();
  });

  const cases = FLOWS.flatMap((flow) =>
    [...TRANSPORT_FAULTS, ...codeFaults(true), ...grpcStatusFaults(true)].map((fc) => [flow.name, fc.stage, fc.name, flow, fc] as const),
  );

  it.each(cases)('%s x %s x %s', async (_flow, _stage, _fault, flow, fc) => {
    const expected = expectedPayment(fc, flow);
    const i = ++n;
    const customerId = flow.customerId(i);
    const idempotencyKey = `matrix-${i}`;
    let referenceNumber: string | undefined;
    if (SINGAPAY_COMMANDS[flow.command].hasInquiry) {
      referenceNumber = (await ctx.service.inquiry({ command: flow.command, productCode: flow.productCode, customerId })).referenceNumber;
    }
    const req = {
      command: flow.command,
      productCode: flow.productCode,
      customerId,
      idempotencyKey,
      ...(referenceNumber ? { referenceNumber } : {}),
    };
    const sent = countPaymentRequests(sim, customerId);
    sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: fc.fault });
    const path = paymentPath(flow.command);
    const before = requestsTo(sim, path);

    const first = await settle(ctx.service.pay(req, callFor(fc)));

    expect(sent()).toBe(expected.requests);
    expect(requestsTo(sim, path) - before).toBe(expected.requests);
    expect(sim.paymentsFor({ customerId })).toBe(expected.received);
    expect(ledgerEntries(sim, { customerId })).toHaveLength(expected.applied);
    if ('throws' in expected) {
      expect(first.ok).toBe(false);
      const e = (first as { error: unknown }).error as SingapayException;
      expect(e).toBeInstanceOf(SingapayException);
      expect({ code: e.responseCode, type: e.responseType, status: e.getStatus() }).toEqual(expected.throws);
    } else {
      if (!first.ok) throw first.error;
      const result: SingapayPaymentResult = first.value;
      expect(result.status).toBe(expected.status);
      expect(result.idempotencyKey).toBe(idempotencyKey);
      if (expected.responseCode !== undefined) expect(result.responseCode).toBe(expected.responseCode);
      if (result.status !== 'unknown') {
        const [tx] = ledgerEntries(sim, { customerId });
        expect(result.transactionId).toBe(tx!.transactionId);
      }
    }

    // The caller retries with the same key: the recorded outcome comes back, nothing is sent.
    const retried = await settle(ctx.service.pay(req, callFor(fc)));
    expect(retried.ok).toBe(first.ok);
    expect(sent()).toBe(expected.requests);

    // Settle everything, let paymentNotFoundAfterMs pass, and compare with the ledger.
    sim.faults.clear();
    sim.settleAll();
    clock.advance(NOT_FOUND_AFTER_MS + 100);
    // Singapay's clock moves with ours: matching a lost purchase allows only a minute of skew.
    sim.advance(NOT_FOUND_AFTER_MS + 100);
    const payment = await ctx.service.getPayment(idempotencyKey);
    await ctx.service.sweepPayments();
    const after = await ctx.service.getPayment(idempotencyKey);
    expect(after.state).toBe(payment.state);
    expect(payment.sendCount).toBe(1);
    const entries = ledgerEntries(sim, referenceNumber ? { referenceNumber } : { customerId });
    expect(entries).toHaveLength(expected.applied);
    if (expected.final) {
      // Documented: a definitive code is trusted and final, even when the upstream applied it anyway.
      expect(payment.state).toBe(expected.final.state);
      if ('reason' in expected.final) expect(payment.failure?.reason).toBe(expected.final.reason);
    } else if (entries.length === 0) {
      expect(payment.state).toBe('failed');
      expect(payment.failure?.reason).toBe('throws' in expected ? 'rejected' : 'not_found');
    } else {
      expect({ state: payment.state, transactionId: payment.transactionId }).toEqual({
        state: entries[0]!.status,
        transactionId: entries[0]!.transactionId,
      });
    }
  });

  describe('connection refused (provably not sent)', () => {
    it('payment, direct purchase (pulsa) x before sending x connection refused: failed not_sent, and the same key is sent once the host is back', async () => {
      const port = await closedPort();
      const first = await SingapaySimulator.start({ port, settleDelayMs: 60_000 });
      const local = new ManualClock();
      const refused = await createSingapayWithClock(
        {
          baseUrl: first.baseUrl,
          ...first.credentials,
          retry: { baseDelayMs: 5 },
          timeoutMs: 2_000,
          paymentNotFoundAfterMs: NOT_FOUND_AFTER_MS,
        },
        local,
      );
      let back: SingapaySimulator | undefined;
      try {
        await refused.service.checkBalance(); // a token in hand: the payment itself meets the closed port
        await first.stop();
        await sleep(50); // let the client see its keep-alive socket closed: a reused dead socket is "maybe sent"
        const req = { command: 'pulsa' as const, productCode: 'SPTLKMAS10', customerId: '081299991234', idempotencyKey: 'refused-1' };
        const e = await singapayFailure(() => refused.service.pay(req));
        expect(e).toBeInstanceOf(SingapayTransportException);
        expect([e.responseType, e.delivery, e.getStatus()]).toEqual(['connection_failed', 'not_sent', 503]);
        const recorded = await refused.service.getPayment('refused-1');
        expect(recorded.state).toBe('failed');
        expect(recorded.failure?.reason).toBe('not_sent');

        back = await SingapaySimulator.start({ port, settleDelayMs: 60_000 });
        const paid = await refused.service.pay(req);
        expect(paid.status).toBe('pending');
        expect(back.paymentsFor({ customerId: req.customerId })).toBe(1);
        // And once it went, it is never sent again.
        await refused.service.pay(req);
        expect(back.paymentsFor({ customerId: req.customerId })).toBe(1);
        back.settleAll();
        expect((await refused.service.getPayment('refused-1')).state).toBe(ledgerEntries(back, { customerId: req.customerId })[0]!.status);
      } finally {
        await refused.close();
        await first.stop();
        await back?.stop();
      }
    });

    it('payment, inquiry flow (plnpos) x before sending x connection refused: failed not_sent, nothing applied', async () => {
      const port = await closedPort();
      const first = await SingapaySimulator.start({ port, settleDelayMs: 60_000 });
      const refused = await createSingapayWithClock(
        { baseUrl: first.baseUrl, ...first.credentials, retry: { baseDelayMs: 5 }, timeoutMs: 2_000 },
        new ManualClock(),
      );
      try {
        const customerId = '146399991234';
        const inquiry = await refused.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId });
        await first.stop();
        await sleep(50);
        const e = await singapayFailure(() =>
          refused.service.pay({ command: 'plnpos', productCode: 'SPPLNPOS', customerId, referenceNumber: inquiry.referenceNumber }),
        );
        expect([e.responseType, e.delivery]).toEqual(['connection_failed', 'not_sent']);
        expect(first.ledger().applied).toBe(0);
        expect((await refused.service.getPayment(inquiry.referenceNumber)).failure?.reason).toBe('not_sent');
      } finally {
        await refused.close();
        await first.stop();
      }
    });

    it("a caller whose wait on the key's resend runs out is told unknown, never failed-not-sent from the copy it read before the resend", async () => {
      // A store over a network: create() reads the record at once, its answer comes 30 ms later.
      class SlowAnswers extends SingapayInMemoryPaymentStore {
        override async create(record: SingapayPaymentRecord) {
          const answer = await super.create(record);
          await sleep(30);
          return answer;
        }
      }
      const port = await closedPort();
      const first = await SingapaySimulator.start({ port, settleDelayMs: 60_000 });
      const refused = await createSingapayWithClock(
        { baseUrl: first.baseUrl, ...first.credentials, retry: { baseDelayMs: 5 }, timeoutMs: 2_000, paymentStore: new SlowAnswers() },
        new ManualClock(),
      );
      let back: SingapaySimulator | undefined;
      try {
        await refused.service.checkBalance();
        await first.stop();
        await sleep(50);
        const req = { command: 'pulsa' as const, productCode: 'SPTLKMAS10', customerId: '081299995678', idempotencyKey: 'refused-2' };
        expect((await singapayFailure(() => refused.service.pay(req))).delivery).toBe('not_sent');

        back = await SingapaySimulator.start({ port, settleDelayMs: 60_000 });
        back.faults.add({ endpoint: 'payment', fault: { kind: 'latency', ms: 600 }, times: 1 });
        // The first caller reclaims the key and sends; the second read the record before that write, and joins the send.
        const sender = refused.service.pay(req);
        await sleep(5);
        const joiner = await refused.service.pay(req, { timeoutMs: 200 }).catch((e: unknown) => e);
        expect(joiner).toMatchObject({ status: 'unknown', idempotencyKey: 'refused-2' });
        expect((await sender).status).toBe('pending');
        expect(back.paymentsFor({ customerId: req.customerId })).toBe(1);
      } finally {
        await refused.close();
        await first.stop();
        await back?.stop();
      }
    });
  });
});
