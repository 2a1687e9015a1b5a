import type { SingapayCommand, SingapayTransactionStatus } from '../contract/singapay-api.contract.js';

/** Deposit balance. */
export interface SingapayBalance {
  /** Rupiah; may carry cents, as Singapay sends a decimal. */
  balance: number;
  currency: string;
  raw: Record<string, unknown>;
}

/** What an inquiry found. Amounts are integer rupiah. */
export interface SingapayInquiryResult {
  command: SingapayCommand;
  /** Pass this to `pay()`. Opaque; minted by Singapay. */
  referenceNumber: string;
  customerId: string;
  /** Name on the bill; `null` when the product has none. */
  customerName: string | null;
  /** The bill or product itself. */
  amount: number;
  /** What the customer pays: amount plus admin fee (and late fee where any). Charge this. */
  price: number;
  /** Late fee, when Singapay states one. */
  lateFee?: number;
  /** Display text; its format varies by product (`"202403"`, `"04/2024"`…). */
  period?: string;
  /** As Singapay sends it (`YYYY-MM-DD HH:mm:ss`). */
  createdAt: string;
  raw: Record<string, unknown>;
}

/** A payment Singapay accepted: `success`, or `pending` (settles later; poll or wait for the callback). */
export interface SingapayAcceptedPayment {
  /** The key the payment is recorded under (yours, else the reference number, else generated). */
  idempotencyKey: string;
  command: SingapayCommand;
  status: 'success' | 'pending';
  responseCode: string;
  /** Singapay's transaction id (a ULID); keep it. */
  transactionId: string;
  customerId: string;
  customerName?: string;
  amount: number;
  price: number;
  period?: string;
  /** PLN token; often absent at payment time and available later on the transaction. */
  token?: string;
  createdAt: string;
  raw: Record<string, unknown>;
}

/**
 * A payment that may have reached Singapay without an answer we can trust
 * (timeout, broken connection, 5xx, unreadable answer, uncertain code), and
 * that a lookup could not settle yet. It is not an error: do not pay again;
 * follow it with `getPayment(idempotencyKey)` / `waitForPayment()`.
 */
export interface SingapayUnknownPayment {
  idempotencyKey: string;
  command: SingapayCommand;
  status: 'unknown';
  /** The last code Singapay sent, if any. */
  responseCode?: string;
  /** Known when the answer carried it even though the rest was unreadable. */
  transactionId?: string;
  customerId: string;
  /** Why the outcome is unknown. */
  reason: string;
}

/** What `pay()` resolves to; definitive refusals throw instead. */
export type SingapayPaymentResult = SingapayAcceptedPayment | SingapayUnknownPayment;

export interface SingapayProduct {
  code: string;
  name: string;
  category?: { code: string; name: string };
}

/** One transaction as Singapay records it. */
export interface SingapayTransaction {
  transactionId: string;
  referenceNumber: string | null;
  customerId: string;
  /** `prepaid` or `postpaid`. */
  type: string;
  status: SingapayTransactionStatus;
  /** What the merchant's deposit is charged. */
  netPrice: number;
  amount: number;
  price: number;
  product: SingapayProduct;
  /** PLN token or similar product output, when Singapay has delivered it. */
  token?: string;
  inquiredAt: string | null;
  paidAt: string | null;
  createdAt: string;
  /** Product-specific extras (`other_info`) as sent; its shape is not documented (`[]` reads as `{}`). */
  otherInfo: unknown;
  raw: Record<string, unknown>;
}

export interface SingapayPagination {
  currentPage: number;
  lastPage: number;
  perPage: number;
  total: number;
}

export interface SingapayTransactionPage {
  items: SingapayTransaction[];
  /** `null` when Singapay sent no pagination (the legacy answer). */
  pagination: SingapayPagination | null;
  raw: Record<string, unknown>;
}

export interface SingapayGameTopupParameters {
  categoryCode: string;
  /** Singapay's `data`, as sent: its shape is not documented (an object or a list). */
  parameters: unknown;
  raw: Record<string, unknown>;
}

export interface SingapayResetResult {
  responseText: string;
  raw: Record<string, unknown>;
}
