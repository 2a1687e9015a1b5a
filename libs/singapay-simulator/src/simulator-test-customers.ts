import type { SimulatorCommand } from './simulator-api-docs.js';

/** An ordinary customer id per command, with the product to try it with. Any id not ending in a test suffix behaves the same. */
export const SINGAPAY_TEST_CUSTOMER_EXAMPLES: Readonly<Record<SimulatorCommand, { customerId: string; productCode: string }>> =
  Object.freeze({
    plntok: { customerId: '14234567891', productCode: 'SPPLNTOK' },
    topupg: { customerId: '123456781', productCode: 'SPFF100' },
    pulsa: { customerId: '081234567891', productCode: 'SPTLKMAS10' },
    data: { customerId: '082291501085', productCode: 'SPTKMSF2G30' },
    vouchg: { customerId: '081234567892', productCode: 'SPGPLAY20' },
    pdam: { customerId: '0112345671', productCode: 'SPPAMJYA' },
    plnpos: { customerId: '146300068064', productCode: 'SPPLNPOS' },
    plnnon: { customerId: '5392211234561', productCode: 'SPPLNNON' },
    intv: { customerId: '122334455661', productCode: 'SPINTOPOKE' },
    bpjsks: { customerId: '0001234567891', productCode: 'SPBPJSKS' },
    bputk: { customerId: '3174012345670001', productCode: 'SPBPJSTKBPU' },
    putk: { customerId: '3174012345670002', productCode: 'SPBPJSTKPU' },
    mobpos: { customerId: '081122334451', productCode: 'SPTKMSPOSH' },
  });

export interface SingapayTestCustomer {
  /** Ending of the customer id that selects the behaviour; `NN` stands for two digits you choose. */
  suffix: string | null;
  /** Code the simulator answers for it, where it is fixed. */
  code: string | null;
  /** What happens, for docs and test names. */
  description: string;
}

/**
 * Customer ids with a known fate, like a payment provider's test cards. They
 * work by the id's last four digits, so they fit phone numbers, meter numbers
 * and NIKs alike. "Direct purchases" are `pulsa`, `data` and `vouchg` (no inquiry):
 * what the others do at inquiry, those do at payment.
 */
export const SINGAPAY_TEST_CUSTOMERS = Object.freeze({
  succeeds: {
    suffix: null,
    code: '00',
    description:
      'Any other id. Inquiry flows: inquiry 00, payment 00 (PLN token issued after settleDelayMs). ' +
      'Direct purchases: payment 01, settles to success after settleDelayMs. Examples in SINGAPAY_TEST_CUSTOMER_EXAMPLES; ' +
      'plnpos 146300068064 is the documented NARSONO bill of 151005.',
  },
  customerNotFound: {
    suffix: '9020',
    code: '20',
    description:
      'Inquiry (payment for direct purchases) answers 20 "Customer not found". No money moves (unless variants.failureTransactionId is whenCreated and 20 comes at payment: see there).',
  },
  billAlreadyPaid: {
    suffix: '9021',
    code: '21',
    description:
      'Inquiry (payment for direct purchases) answers 21 "Bill already paid". No money moves (unless variants.failureTransactionId is whenCreated and 21 comes at payment: see there).',
  },
  billerFails: {
    suffix: '9022',
    code: '22',
    description:
      'Inquiry (payment for direct purchases) answers 22 "Biller side error". No money moves (unless variants.failureTransactionId is whenCreated and 22 comes at payment: see there).',
  },
  staysPending: {
    suffix: '9001',
    code: '01',
    description: 'Payment answers 01 "Payment pending" and the transaction stays pending for ever (settleAll() leaves it). Money is drawn.',
  },
  failsThenRefunds: {
    suffix: '9050',
    code: '50',
    description:
      'Payment answers 01; after settleDelayMs the transaction turns failed, after another settleDelayMs refunded: ' +
      'the price goes back to the balance and a callback with code 50 is sent.',
  },
  failsQuietly: {
    suffix: '9051',
    code: '01',
    description:
      'Payment answers 01; after settleDelayMs the transaction turns failed for good: the price goes back to the balance ' +
      'and no callback is sent (the docs: failed transactions may never produce one), so only a lookup learns it.',
  },
  codeAtInquiry: {
    suffix: '98NN',
    code: null,
    description:
      'Inquiry (payment for direct purchases) answers code NN with no data, e.g. ...9889 gives 89, ...9804 gives 04 on HTTP 422. ' +
      'NN=00 behaves as an ordinary id; at a direct payment 00 succeeds at once and 01 is the ordinary pending.',
  },
  codeAtPayment: {
    suffix: '97NN',
    code: null,
    description:
      'Inquiry succeeds; payment answers code NN with no transaction and no money drawn (under variants.failureTransactionId ' +
      "'whenCreated', a provider's failure draws and refunds the price and names its transaction), e.g. ...9705 gives 05. " +
      'NN=00 succeeds at once, NN=01 answers pending and settles like a direct purchase.',
  },
} as const satisfies Record<string, SingapayTestCustomer>);

export type SingapayTestCustomerName = keyof typeof SINGAPAY_TEST_CUSTOMERS;

/**
 * A customer id of the given test behaviour that passes the command's format
 * checks: the ordinary example with its last four digits replaced. `code`
 * fills `NN` for the two chosen-code entries.
 */
export function singapayTestCustomerId(command: SimulatorCommand, name: SingapayTestCustomerName, code = '00'): string {
  const base = SINGAPAY_TEST_CUSTOMER_EXAMPLES[command].customerId;
  const suffix = SINGAPAY_TEST_CUSTOMERS[name].suffix;
  if (suffix === null) return base;
  if (!/^\d{2}$/.test(code)) throw new RangeError(`code must be two digits, got ${code}`);
  return base.slice(0, -4) + suffix.replace('NN', code);
}

/** What a customer id asks the simulator to do. */
export type SimulatorScenario =
  | { kind: 'ordinary' }
  | { kind: 'pendingForever' }
  | { kind: 'refund' }
  | { kind: 'failQuietly' }
  /** Answer `code` at inquiry (at payment for direct purchases). */
  | { kind: 'codeAtInquiry'; code: string }
  /** Inquiry succeeds, payment answers `code`. */
  | { kind: 'codeAtPayment'; code: string };

export function simulatorScenarioFor(customerId: string): SimulatorScenario {
  const suffix = customerId.slice(-4);
  if (suffix.length < 4 || !/^\d{4}$/.test(suffix)) return { kind: 'ordinary' };
  switch (suffix) {
    case '9001':
      return { kind: 'pendingForever' };
    case '9050':
      return { kind: 'refund' };
    case '9051':
      return { kind: 'failQuietly' };
    case '9020':
    case '9021':
    case '9022':
      return { kind: 'codeAtInquiry', code: suffix.slice(2) };
    default:
      break;
  }
  if (suffix.startsWith('98')) return { kind: 'codeAtInquiry', code: suffix.slice(2) };
  if (suffix.startsWith('97')) return { kind: 'codeAtPayment', code: suffix.slice(2) };
  return { kind: 'ordinary' };
}
