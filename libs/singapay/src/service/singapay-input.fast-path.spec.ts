import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import {
  SingapayGameCategoryRequest,
  SingapayInquiryRequest,
  SingapayListTransactionsRequest,
  SingapayPayRequest,
  SingapayTransactionIdRequest,
} from './dto/singapay-requests.dto.js';
import { fastValidatedInput } from './singapay-input.fast-path.js';

/** What the full path says: the DTO, or the failing rules. */
function fullPath(cls: new () => object, input: object) {
  const value = plainToInstance(cls, input);
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  return { value, errors };
}

// Values near every rule's edge: empty, too long, odd characters, digits as text, fractions, surrogate pairs.
const scalar = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    '',
    ' ',
    'plnpos',
    'pulsa',
    'SPPLNPOS',
    '146300068064',
    '0812-345',
    '+62812',
    '2025-06-10',
    '2025-6-1',
    'pending',
  ),
  fc.constantFrom('12', '3', '0', '1.5', '𝟙𝟚', 'ab\u0000', 'x'.repeat(26), '1'.repeat(25), '😀'.repeat(13), 'a b', 'ÄÖ'),
  fc.string({ maxLength: 30 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
  fc.integer({ min: -5, max: 100_001 }),
  fc.double({ min: -10, max: 20, noNaN: false }),
  fc.boolean(),
);

// A valid request per class, whose fields the property then replaces at random.
const CLASSES: [string, new () => object, string[], Record<string, unknown>][] = [
  [
    'inquiry',
    SingapayInquiryRequest,
    ['command', 'productCode', 'customerId', 'period', 'phoneNumber', 'serverId', 'username', 'platform'],
    { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' },
  ],
  [
    'pay',
    SingapayPayRequest,
    ['command', 'productCode', 'customerId', 'referenceNumber', 'idempotencyKey'],
    { command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891' },
  ],
  ['list', SingapayListTransactionsRequest, ['transactionId', 'customerId', 'status', 'startDate', 'endDate', 'page'], {}],
  ['transaction id', SingapayTransactionIdRequest, ['transactionId'], { transactionId: '01JXCQMCF8790000000000000A' }],
  ['game category', SingapayGameCategoryRequest, ['categoryCode'], { categoryCode: 'MLBB' }],
];

describe('the fast path of input validation', () => {
  it.each(CLASSES)('%s: says "valid" only where class-validator does, with the same DTO', (_name, cls, fields, base) => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...fields), scalar, { maxKeys: 3 }), (changes) => {
        const input = { ...base, ...changes };
        const fast = fastValidatedInput(cls, input);
        if (!fast) return;
        accepted++;
        const { value, errors } = fullPath(cls, input);
        expect(errors).toEqual([]);
        expect({ ...fast }).toEqual({ ...value });
        expect(fast).toBeInstanceOf(cls);
      }),
      { seed: 20_261_201, numRuns: 3_000 },
    );
    expect(accepted, 'the fast path accepted nothing: the property would be vacuous').toBeGreaterThan(0);
  });

  it('takes the everyday requests without class-validator', () => {
    expect(
      fastValidatedInput(SingapayInquiryRequest, { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' }),
    ).toBeInstanceOf(SingapayInquiryRequest);
    const pay = { command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891', idempotencyKey: 'order-1' };
    expect(fastValidatedInput(SingapayPayRequest, pay)).toEqual(Object.assign(new SingapayPayRequest(), pay));
  });

  it('leaves to class-validator what needs transforming or counting its way', () => {
    // A period as text is converted by class-transformer first.
    expect(
      fastValidatedInput(SingapayInquiryRequest, { command: 'bpjsks', productCode: 'SPBPJSKS', customerId: '0001234567891', period: '3' }),
    ).toBeUndefined();
    // 13 emoji are 26 code units but 13 characters to class-validator.
    const phone = { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064', phoneNumber: '😀'.repeat(13) };
    expect(fastValidatedInput(SingapayInquiryRequest, phone)).toBeUndefined();
  });
});
