/** Named endpoints a fault rule can target; `'*'` is every business path. An exact path (starting with `/`) also works. */
export const SINGAPAY_SIMULATOR_FAULT_ENDPOINTS = [
  'token',
  'balance',
  'detail',
  'list',
  'inquiry',
  'payment',
  'reset',
  'gameParameters',
  '*',
] as const;

export type SingapaySimulatorFaultEndpointName = (typeof SINGAPAY_SIMULATOR_FAULT_ENDPOINTS)[number];

/** A named endpoint or an exact URL path such as `/api/v2/postpaid/payment`. */
export type SingapaySimulatorFaultEndpoint = SingapaySimulatorFaultEndpointName | `/${string}`;

/**
 * What the simulator does to a request a rule catches. The request is always
 * read in full first. "Apply" means the simulator really processes it (a
 * payment creates its transaction and draws the money) before the fault shapes
 * the answer.
 */
export type SingapaySimulatorFault =
  | {
      kind: 'latency';
      /** Delay before the answer, in real milliseconds. */
      ms: number;
      /**
       * Process at once and hold the answer back, instead of waiting first and
       * processing after the delay (when a client that gave up already left).
       * @default false
       */
      processFirst?: boolean;
    }
  | {
      kind: 'hang';
      /**
       * Process the request before going silent (the answer is lost, the payment is not).
       * @default false
       */
      apply?: boolean;
    }
  | { kind: 'resetBeforeApply' }
  | { kind: 'resetAfterApply' }
  | {
      kind: 'html';
      /**
       * HTTP status of the nginx-like error page.
       * @default 502
       */
      status?: number;
      /**
       * Process the request before answering the page.
       * @default false
       */
      apply?: boolean;
    }
  | {
      kind: 'truncated';
      /**
       * Process the request and cut its real answer; when false the cut answer is a
       * `05` (deadline exceeded) envelope and nothing is processed.
       * @default true
       */
      apply?: boolean;
    }
  | {
      kind: 'code';
      /** `response_code` of the business envelope answered (with no `data`). */
      code: string;
      /**
       * HTTP status of that answer.
       * @default the simulator's status for the code (422 for 04, 404 for 06, else 200)
       */
      httpStatus?: number;
      /**
       * Process the request first, so the payment exists although the answer says otherwise.
       * @default false
       */
      apply?: boolean;
    }
  | {
      kind: 'tokenFailure';
      status: 401 | 403 | 500 | 503;
      /**
       * `error.message` of the `{status, success, error}` envelope.
       * @default a message fitting the status
       */
      message?: string;
    }
  | {
      kind: 'status';
      httpStatus: number;
      /**
       * A string is sent as is (`text/plain` unless `headers` say otherwise); anything else as JSON.
       * @default '' (empty body)
       */
      body?: unknown;
      /**
       * Extra response headers.
       * @default {}
       */
      headers?: Record<string, string>;
      /**
       * Process the request before answering.
       * @default false
       */
      apply?: boolean;
    };

export type SingapaySimulatorFaultKind = SingapaySimulatorFault['kind'];

export const SINGAPAY_SIMULATOR_FAULT_KINDS: readonly SingapaySimulatorFaultKind[] = [
  'latency',
  'hang',
  'resetBeforeApply',
  'resetAfterApply',
  'html',
  'truncated',
  'code',
  'tokenFailure',
  'status',
];

/** Filters on the request's JSON body; every given field must equal the body's. */
export interface SingapaySimulatorFaultMatch {
  /** The body's `command`. */
  command?: string;
  /** `data.customer_id`. */
  customerId?: string;
  /** `data.reference_number`. */
  referenceNumber?: string;
  /** `data.product_code`. */
  productCode?: string;
  /** `data.transaction_id`. */
  transactionId?: string;
  /** `data.page` of a list request, as text (`"2"`); a page sent as a number matches too. */
  page?: string;
}

export const MATCH_FIELDS = ['command', 'customerId', 'referenceNumber', 'productCode', 'transactionId', 'page'] as const;

export interface SingapaySimulatorFaultRule {
  /** Which requests: a named endpoint, `'*'` or an exact path. */
  endpoint: SingapaySimulatorFaultEndpoint;
  fault: SingapaySimulatorFault;
  /**
   * Only requests whose body matches.
   * @default {} (every request to the endpoint)
   */
  match?: SingapaySimulatorFaultMatch;
  /**
   * Fault the next N matching requests (those the probability picks), then drop the rule.
   * @default unlimited (until removed)
   */
  times?: number;
  /**
   * Chance, 0..1, that a matching request is faulted; drawn from the simulator's
   * seeded generator (option `faultSeed`), so a run is reproducible.
   * @default 1
   */
  probability?: number;
}

/** A rule as `list()` and `get()` show it. */
export interface SingapaySimulatorFaultRuleInfo {
  id: string;
  endpoint: SingapaySimulatorFaultEndpoint;
  fault: SingapaySimulatorFault;
  match: SingapaySimulatorFaultMatch;
  times: number | null;
  probability: number | null;
  /** Faults still to inject; null when unlimited. */
  remaining: number | null;
  /** Requests the rule caught that matched its endpoint and filter, probability misses included. */
  matched: number;
  /** Requests the rule actually faulted. */
  hits: number;
  /** False once `times` is used up (the rule no longer applies and `list()` leaves it out). */
  active: boolean;
}

/** What the injector needs to know of a request to pick a rule. */
export interface SimulatorFaultTarget {
  path: string;
  /** The parsed JSON body, or undefined when it is not a JSON object. */
  body: Record<string, unknown> | undefined;
}

/** A bad rule, from code or from `POST /__simulator/faults`. */
export class SingapaySimulatorFaultRuleError extends Error {
  override readonly name = 'SingapaySimulatorFaultRuleError';
}
