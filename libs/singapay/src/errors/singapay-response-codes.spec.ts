import { normalizeSingapayResponseCode, SINGAPAY_RESPONSE_CODES, singapayResponseCodeInfo } from './singapay-response-codes.js';

// The HTTP status our exception carries for each code, as issue #2 fixes it.
const EXPECTED_HTTP: Record<string, [string, number]> = {
  '02': ['canceled', 409],
  '03': ['unknown', 502],
  '04': ['invalid_argument', 400],
  '05': ['deadline_exceeded', 504],
  '06': ['not_found', 404],
  '07': ['already_exists', 409],
  '08': ['permission_denied', 502],
  '09': ['resource_exhausted', 429],
  '10': ['failed_precondition', 409],
  '11': ['aborted', 409],
  '12': ['out_of_range', 400],
  '13': ['unimplemented', 501],
  '14': ['unavailable', 503],
  '15': ['data_loss', 502],
  '16': ['unauthenticated', 502],
  '17': ['insufficient_balance', 503],
  '20': ['customer_not_found', 404],
  '21': ['bill_already_paid', 409],
  '22': ['biller_side_error', 502],
  '50': ['transaction_refund', 502],
  '51': ['transaction_already_success', 409],
  '89': ['general_service_error', 503],
  '99': ['internal', 502],
};

describe('SINGAPAY_RESPONSE_CODES', () => {
  it('holds every documented code once, with the fixed type and HTTP status', () => {
    const failures = SINGAPAY_RESPONSE_CODES.filter((r) => !['00', '01'].includes(r.code));
    expect(Object.fromEntries(failures.map((r) => [r.code, [r.type, r.httpStatus]]))).toEqual(EXPECTED_HTTP);
    expect(new Set(SINGAPAY_RESPONSE_CODES.map((r) => r.code)).size).toBe(SINGAPAY_RESPONSE_CODES.length);
    expect(singapayResponseCodeInfo('00').type).toBe('success');
    expect(singapayResponseCodeInfo('01').type).toBe('pending');
  });

  it('treats an unknown code as unrecognised, 502, outcome uncertain', () => {
    expect(singapayResponseCodeInfo('42')).toMatchObject({
      code: '42',
      type: 'unrecognised',
      httpStatus: 502,
      paymentOutcome: 'uncertain',
    });
  });

  it('never lets a failure code claim success, and keeps client-fixable codes 4xx', () => {
    for (const info of SINGAPAY_RESPONSE_CODES) {
      if (info.code === '00' || info.code === '01') continue;
      expect(info.httpStatus).toBeGreaterThanOrEqual(400);
      expect(['rejected', 'uncertain', 'applied', 'refunded']).toContain(info.paymentOutcome);
    }
    // Singapay's word that it went through (51) or comes back (50) is never read as a refusal.
    expect(SINGAPAY_RESPONSE_CODES.find((r) => r.code === '51')?.paymentOutcome).toBe('applied');
    expect(SINGAPAY_RESPONSE_CODES.find((r) => r.code === '50')?.paymentOutcome).toBe('refunded');
    expect(SINGAPAY_RESPONSE_CODES.find((r) => r.code === '07')?.paymentOutcome).toBe('uncertain');
    // A 401 would log the front end's user out for our own misconfiguration.
    expect(SINGAPAY_RESPONSE_CODES.some((r) => r.httpStatus === 401)).toBe(false);
  });
});

describe('normalizeSingapayResponseCode', () => {
  it.each([
    ['6', '06'],
    ['06', '06'],
    [6, '06'],
    ['0', '00'],
    [0, '00'],
    ['00', '00'],
    ['17', '17'],
    [' 4 ', '04'],
    ['006', '06'],
    ['99', '99'],
  ])('%j -> %s', (input, expected) => {
    expect(normalizeSingapayResponseCode(input)).toBe(expected);
  });

  it.each([[undefined], [null], [''], ['ab'], ['-1'], [1.5], [{}], [[]], ['6a'], [true], ['1234'], [-0], ['-0'], [-6]])(
    'rejects %j',
    (input) => {
      expect(normalizeSingapayResponseCode(input)).toBeUndefined();
    },
  );

  it('is idempotent', () => {
    for (const raw of ['6', '06', '1', '17', '0', '099', 5, 89]) {
      const once = normalizeSingapayResponseCode(raw);
      expect(normalizeSingapayResponseCode(once)).toBe(once);
    }
  });
});
