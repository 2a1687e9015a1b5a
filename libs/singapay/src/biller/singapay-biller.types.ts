import type { SingapayCommand, SingapayTransactionStatus } from '../contract/singapay-api.contract.js';

/*
 * What the Biller API layer takes and gives: plain camelCase shapes, amounts in
 * integer rupiah, times as ISO 8601 with the WIB offset, Singapay's answer under `raw`.
 */

/** An inquiry as the Biller API sends it (validated by the service before). */
export interface SingapayInquiryParams {
  command: SingapayCommand;
  productCode: string;
  customerId: string;
  period?: number;
  phoneNumber?: string;
  serverId?: string;
  username?: string;
  platform?: string;
}

/**
 * A payment as the Biller API sends it; the password is added from the options. No phone number:
 * the docs give one to the postpaid inquiry only, and the reference number carries the inquiry.
 */
export interface SingapayPaymentParams extends Pick<SingapayInquiryParams, 'command' | 'productCode' | 'customerId'> {
  referenceNumber?: string;
}

/** The list filter: a transaction's fields, and dates `YYYY-MM-DD` (both or neither); every field optional. */
export interface SingapayListParams extends Partial<Pick<SingapayTransaction, 'transactionId' | 'customerId' | 'status'>> {
  startDate?: string;
  endDate?: string;
  page?: number;
  /** Rows asked for per page (`SINGAPAY_LIST_PAGE_SIZE`); the answer's pagination says what was honoured. */
  perPage?: number;
}

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
  /**
   * When Singapay made the inquiry: ISO 8601 with the WIB offset (`2025-06-10T16:36:49.000+07:00`); `raw` keeps
   * Singapay's text. An answer that states none (no prepaid inquiry is documented) gives the time it was read.
   */
  createdAt: string;
  raw: Record<string, unknown>;
}

/** What a payment answered `00` (success) or `01` (pending) says: the transaction Singapay created. */
export interface SingapayPaymentReceipt {
  responseCode: '00' | '01';
  /** Singapay's transaction id (a ULID). */
  transactionId: string;
  amount: number;
  price: number;
  customerName?: string;
  period?: string;
  /** PLN token; usually absent (`null`) at payment time. */
  token?: string;
  /** When Singapay created the transaction, ISO 8601 with the WIB offset: `created_at` read in WIB, or the zone its ULID settles. */
  createdAt: string;
  raw: Record<string, unknown>;
}

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
  /** PLN token, when Singapay has issued it (read from `data.token` or `other_info`, however it is shaped). */
  token?: string;
  /** ISO 8601 with the WIB offset, like every time this module gives out; `raw` keeps Singapay's texts. */
  inquiredAt: string | null;
  paidAt: string | null;
  /** When Singapay created the transaction: `created_at` read in UTC, or in the zone the id's ULID settles (with its milliseconds). */
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

/** A transaction as Singapay reads it, without the answer it came in: what a list keeps of each row, and a record of the transaction it holds. */
export type SingapayListedTransaction = Omit<SingapayTransaction, 'raw'>;

/**
 * Every page of a list, as `SingapayBillerApi.listAllTransactions` read it. A list that is
 * not `complete` proves nothing missing: a row may sit on a page that was never read.
 */
export interface SingapayTransactionList {
  /**
   * The rows read, each transaction once (a row repeated on a later page is kept once, last read
   * wins), without the row each came in: a day of 200,000 rows would otherwise be held twice.
   */
  transactions: SingapayListedTransaction[];
  /** True only when the list ended by its own rule (pagination's last page, or an empty or repeating page) without a failure. */
  complete: boolean;
  /** Pages asked for, the failed one included. */
  pagesRead: number;
  /**
   * Why it is not complete: the page limit was reached, a page failed (`error` says how), the
   * pages held fewer rows than the list counts (`total`), or a list without pagination answered a
   * page with rows already read (it may ignore `page`, and hold rows it never showed).
   */
  incomplete?: 'page_limit' | 'page_failed' | 'rows_missing' | 'page_repeated';
  /** The failure of the page that failed (a `SingapayException`, after the retries of reads). */
  error?: unknown;
  /** The page that failed. */
  failedPage?: number;
  /** The rows the list counted on its first page, when it has pagination. */
  total?: number;
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
