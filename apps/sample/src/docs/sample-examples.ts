/**
 * Examples for the API docs, taken from the built-in simulator's test
 * customers (libs/singapay-simulator/README.md), so "Try it out" in /docs
 * answers what the example shows.
 */

/** plnpos `146300068064`: the documented NARSONO bill of 151005 (price 152505). */
export const PLNPOS_CUSTOMER = '146300068064';
export const EXAMPLE_REFERENCE = 'SPPLNPOSRJBL1163963340581795468222';
export const EXAMPLE_TRANSACTION_ID = '01M853XR68CYV6ARQJZNRQSGTH';
export const EXAMPLE_IDEMPOTENCY_KEY = 'order-1001';

export const INQUIRY_EXAMPLES = {
  plnpos: {
    summary: 'PLN postpaid bill (NARSONO, 151005 + admin fee)',
    value: { command: 'plnpos', productCode: 'SPPLNPOS', customerId: PLNPOS_CUSTOMER },
  },
  plntok: {
    summary: 'PLN prepaid token: confirm the meter',
    value: { command: 'plntok', productCode: 'SPPLNTOK', customerId: '14234567891' },
  },
  pdam: {
    summary: 'Water bill (PDAM Jakarta)',
    value: { command: 'pdam', productCode: 'SPPAMJYA', customerId: '0112345671' },
  },
  bpjsks: {
    summary: 'BPJS Kesehatan for 3 months (period 1-12)',
    value: { command: 'bpjsks', productCode: 'SPBPJSKS', customerId: '0001234567891', period: 3 },
  },
  topupg: {
    summary: 'Game top-up (Free Fire)',
    value: { command: 'topupg', productCode: 'SPFF100', customerId: '123456781' },
  },
  customerNotFound: {
    summary: 'Customer not found (…9020): 404, code 20',
    value: { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300069020' },
  },
  billAlreadyPaid: {
    summary: 'Bill already paid (…9021): 409, code 21',
    value: { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300069021' },
  },
} as const;

export const PAY_EXAMPLES = {
  plnpos: {
    summary: 'Pay the PLN bill: use the referenceNumber your inquiry returned',
    value: { command: 'plnpos', productCode: 'SPPLNPOS', customerId: PLNPOS_CUSTOMER, referenceNumber: EXAMPLE_REFERENCE },
  },
  pulsa: {
    summary: 'Airtime, direct purchase (no inquiry): answers 202 pending, settles later',
    value: { command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891' },
  },
  data: {
    summary: 'Data package, direct purchase',
    value: { command: 'data', productCode: 'SPTKMSF2G30', customerId: '082291501085' },
  },
  vouchg: {
    summary: 'Game voucher, direct purchase',
    value: { command: 'vouchg', productCode: 'SPGPLAY20', customerId: '081234567892' },
  },
  staysPending: {
    summary: 'Stays pending for ever (…9001): 202',
    value: { command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234569001' },
  },
} as const;

const RAW_BALANCE = {
  command: 'check-balance',
  response_code: '00',
  response_text: 'Operation completed successfully',
  data: { balance: '10000000.00', currency: 'IDR' },
};

export const BALANCE_EXAMPLE = { balance: 10_000_000, currency: 'IDR', raw: RAW_BALANCE };

export const INQUIRY_RESULT_EXAMPLE = {
  command: 'plnpos',
  referenceNumber: EXAMPLE_REFERENCE,
  customerId: PLNPOS_CUSTOMER,
  customerName: 'NARSONO',
  amount: 151005,
  price: 152505,
  period: '202403',
  createdAt: '2026-11-24T04:10:22.000+07:00',
  raw: {
    command: 'plnpos',
    response_code: '00',
    response_text: 'Inquiry success',
    data: {
      amount: '151005',
      customer_name: 'NARSONO',
      period: '202403',
      customer_id: PLNPOS_CUSTOMER,
      reference_number: EXAMPLE_REFERENCE,
      price: '152505',
      created_at: '2026-11-24 04:10:22',
    },
  },
};

export const PAYMENT_SUCCESS_EXAMPLE = {
  idempotencyKey: EXAMPLE_IDEMPOTENCY_KEY,
  command: 'plnpos',
  status: 'success',
  responseCode: '00',
  transactionId: EXAMPLE_TRANSACTION_ID,
  customerId: PLNPOS_CUSTOMER,
  customerName: 'NARSONO',
  amount: 151005,
  price: 152505,
  period: '202403',
  createdAt: '2026-11-24T04:10:22.000+07:00',
  raw: {
    command: 'plnpos',
    response_code: '00',
    response_text: 'Payment success',
    data: {
      amount: '151005',
      customer_name: 'NARSONO',
      period: '202403',
      customer_id: PLNPOS_CUSTOMER,
      price: '152505',
      transaction_id: EXAMPLE_TRANSACTION_ID,
      created_at: '2026-11-24 04:10:22',
    },
  },
};

export const PAYMENT_PENDING_EXAMPLE = {
  idempotencyKey: 'order-1002',
  command: 'pulsa',
  status: 'pending',
  responseCode: '01',
  transactionId: '01M853XR6YXP7MAEGDNV5XJX2G',
  customerId: '081234567891',
  amount: 10000,
  price: 11000,
  createdAt: '2026-11-24T04:10:22.000+07:00',
  raw: {
    command: 'pulsa',
    response_code: '01',
    response_text: 'Payment pending',
    data: {
      customer_id: '081234567891',
      amount: '10000',
      price: '11000',
      transaction_id: '01M853XR6YXP7MAEGDNV5XJX2G',
      created_at: '2026-11-24 04:10:22',
    },
  },
};

export const PAYMENT_UNKNOWN_EXAMPLE = {
  idempotencyKey: 'order-1003',
  command: 'pulsa',
  status: 'unknown',
  customerId: '081234567891',
  reason: 'Singapay did not answer pay within 30000 ms',
};

export const PAYMENT_RECORD_EXAMPLE = {
  idempotencyKey: EXAMPLE_IDEMPOTENCY_KEY,
  state: 'success',
  command: 'plnpos',
  productCode: 'SPPLNPOS',
  customerId: PLNPOS_CUSTOMER,
  referenceNumber: EXAMPLE_REFERENCE,
  transactionId: EXAMPLE_TRANSACTION_ID,
  responseCode: '00',
  amount: 151005,
  price: 152505,
  customerName: 'NARSONO',
  period: '202403',
  sendCount: 1,
  createdAt: '2026-11-24T04:10:22.662+07:00',
  updatedAt: '2026-11-24T04:10:22.684+07:00',
  settledAt: '2026-11-24T04:10:22.669+07:00',
};

const RAW_TRANSACTION = {
  transaction_id: EXAMPLE_TRANSACTION_ID,
  reference_number: EXAMPLE_REFERENCE,
  customer_id: PLNPOS_CUSTOMER,
  transaction_type: 'postpaid',
  status: 'success',
  inquired_at: '2026-11-24 04:10:22',
  paid_at: '2026-11-24 04:10:22',
  net_price: '152505',
  display_price: { amount: '151005', price: '152505' },
  other_info: [],
  // Rows print created_at in UTC, paid_at in WIB: the same instant.
  created_at: '2026-11-23 21:10:22',
  product: { code: 'SPPLNPOS', name: 'PLN Pascabayar', category: { code: 'PLNPOS', name: 'PLN Pascabayar' } },
};

export const TRANSACTION_EXAMPLE = {
  transactionId: EXAMPLE_TRANSACTION_ID,
  referenceNumber: EXAMPLE_REFERENCE,
  customerId: PLNPOS_CUSTOMER,
  type: 'postpaid',
  status: 'success',
  netPrice: 152505,
  amount: 151005,
  price: 152505,
  product: { code: 'SPPLNPOS', name: 'PLN Pascabayar', category: { code: 'PLNPOS', name: 'PLN Pascabayar' } },
  inquiredAt: '2026-11-24T04:10:22.000+07:00',
  paidAt: '2026-11-24T04:10:22.000+07:00',
  createdAt: '2026-11-24T04:10:22.000+07:00',
  otherInfo: {},
  raw: {
    command: 'detail-bill-transaction',
    response_code: '00',
    response_text: 'Operation completed successfully',
    data: RAW_TRANSACTION,
  },
};

export const TRANSACTION_PAGE_EXAMPLE = {
  items: [{ ...TRANSACTION_EXAMPLE, raw: RAW_TRANSACTION }],
  pagination: { currentPage: 1, lastPage: 1, perPage: 10, total: 1 },
  raw: {
    command: 'list-bill-transaction',
    response_code: '00',
    response_text: 'Operation completed successfully',
    data: { bill_transactions: [RAW_TRANSACTION], pagination: { current_page: 1, last_page: 1, per_page: 10, total: 1 } },
  },
};

/** Error bodies, as the sample app sends them (`SingapayException.getResponse()` or Nest's 400). */
export const ERROR_EXAMPLES = {
  validation: {
    summary: 'Invalid input: nothing was sent to Singapay',
    value: {
      statusCode: 400,
      error: 'Bad Request',
      message: ['referenceNumber is required for command plnpos: pay the referenceNumber returned by inquiry()'],
    },
  },
  apiKey: {
    summary: 'No or wrong X-Api-Key: nothing was sent to Singapay',
    value: { statusCode: 401, error: 'Unauthorized', message: 'send your API key in the X-Api-Key header' },
  },
  unsupportedMediaType: {
    summary: 'Not JSON (an HTML form, say): nothing was sent to Singapay',
    value: { statusCode: 415, error: 'Unsupported Media Type', message: 'send the request as application/json' },
  },
  transactionNotFound: {
    summary: 'Unknown transaction (code 06)',
    value: {
      statusCode: 404,
      error: 'Not Found',
      message: 'Singapay getTransaction failed with code 06 (not_found): Resource or endpoint not found - Transaction not found',
      singapay: { code: '06', type: 'not_found' },
    },
  },
  customerNotFound: {
    summary: 'Customer not found (code 20)',
    value: {
      statusCode: 404,
      error: 'Not Found',
      message:
        'Singapay inquiry failed with code 20 (customer_not_found): Customer number incorrect, blocked or expired - Customer not found',
      singapay: { code: '20', type: 'customer_not_found' },
    },
  },
  paymentNotFound: {
    summary: 'No payment recorded under this key',
    value: { statusCode: 404, error: 'Not Found', message: 'No payment is recorded under this idempotency key' },
  },
  billAlreadyPaid: {
    summary: 'Bill already paid (code 21)',
    value: {
      statusCode: 409,
      error: 'Conflict',
      message: 'Singapay inquiry failed with code 21 (bill_already_paid): Bill already paid',
      singapay: { code: '21', type: 'bill_already_paid' },
    },
  },
  idempotencyConflict: {
    summary: 'Same Idempotency-Key, different request: nothing was sent',
    value: {
      statusCode: 409,
      error: 'Conflict',
      message:
        'This idempotency key was already used for a different payment (pulsa SPTLKMAS10); nothing was sent. Use a new key for a new payment.',
      singapay: { code: null, type: 'idempotency_conflict' },
    },
  },
  billerError: {
    summary: "Error on the biller's side (code 22)",
    value: {
      statusCode: 502,
      error: 'Bad Gateway',
      message: "Singapay inquiry failed with code 22 (biller_side_error): Error on the biller's side - Biller side error",
      singapay: { code: '22', type: 'biller_side_error' },
    },
  },
  credentialsRefused: {
    summary: "Our own credentials were refused (a server problem, not the caller's)",
    value: {
      statusCode: 502,
      error: 'Bad Gateway',
      message:
        'Singapay accessToken failed with code 16 (unauthenticated): Singapay refused the client credentials: check the client ID and client secret (SINGAPAY_CLIENT_ID, SINGAPAY_CLIENT_SECRET) of this environment, and that they are not swapped (so checkBalance was not sent)',
      singapay: { code: '16', type: 'unauthenticated' },
    },
  },
  insufficientBalance: {
    summary: 'Deposit too low (code 17)',
    value: {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Singapay pay failed with code 17 (insufficient_balance): Deposit too low for the operation - Insufficient balance',
      singapay: { code: '17', type: 'insufficient_balance' },
    },
  },
  unreachable: {
    summary: 'Singapay unreachable: the request was not sent',
    value: {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Could not connect to Singapay for checkBalance (ECONNREFUSED); the request was not sent',
      singapay: { code: null, type: 'connection_failed' },
    },
  },
  timeout: {
    summary: 'No answer in time',
    value: {
      statusCode: 504,
      error: 'Gateway Timeout',
      message: 'Singapay did not answer checkBalance within 30000 ms',
      singapay: { code: null, type: 'timeout' },
    },
  },
} as const;

export const HEALTH_UP_EXAMPLE = {
  status: 'ok',
  info: {
    singapay: {
      status: 'up',
      minBalance: 1_000_000,
      checkedAt: '2026-11-24T04:10:22.662+07:00',
      responseTimeMs: 12,
    },
  },
  error: {},
  details: {
    singapay: {
      status: 'up',
      minBalance: 1_000_000,
      checkedAt: '2026-11-24T04:10:22.662+07:00',
      responseTimeMs: 12,
    },
  },
};

const DEGRADED = {
  status: 'degraded',
  cause: 'low_balance',
  message: 'The deposit is below the configured minimum of 1000000: top it up at Singapay before payments fail with code 17',
  minBalance: 1_000_000,
  checkedAt: '2026-11-24T04:10:22.662+07:00',
  responseTimeMs: 9,
};
export const HEALTH_DEGRADED_EXAMPLE = { status: 'degraded', info: { singapay: DEGRADED }, error: {}, details: { singapay: DEGRADED } };

const DOWN = {
  status: 'down',
  cause: 'ip_not_whitelisted',
  message: "Singapay refused this server's IP address (203.0.113.7): submit 203.0.113.7 to Singapay for whitelisting in this environment",
  responseCode: '08',
  responseType: 'permission_denied',
  detail:
    "Singapay accessToken failed with code 08 (permission_denied): Singapay refused this server's IP address (203.0.113.7): submit 203.0.113.7 to Singapay for whitelisting in this environment (so checkBalance was not sent)",
  checkedAt: '2026-11-24T04:10:22.662+07:00',
  responseTimeMs: 15,
};
export const HEALTH_DOWN_EXAMPLE = { status: 'error', info: {}, error: { singapay: DOWN }, details: { singapay: DOWN } };
