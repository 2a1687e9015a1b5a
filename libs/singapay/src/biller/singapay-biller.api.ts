import { Inject, Injectable } from '@nestjs/common';
import {
  SINGAPAY_COMMANDS,
  SINGAPAY_GAME_FIELDS,
  SINGAPAY_GENERAL_COMMANDS,
  SINGAPAY_GENERAL_PATHS,
  SINGAPAY_LIST_PAGE_SIZE,
  singapayProductPath,
} from '../contract/singapay-api.contract.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SingapayNotFoundException, SingapayValidationException } from '../errors/singapay.exception.js';
import { SingapayApiClient, type SingapayEnvelope, type SingapayRequest } from './singapay-api.client.js';
import type { SingapayCallOptions } from '../http/singapay-transport.js';
import { SINGAPAY_CLOCK, SINGAPAY_RESOLVED_OPTIONS, type SingapayClock } from '../singapay.constants.js';
import { asRecord, dropUndefined } from '../util/singapay-json.js';
import { readInquiry, readPaymentReceipt, readTransaction } from './singapay-biller.readers.js';
import type {
  SingapayBalance,
  SingapayGameTopupParameters,
  SingapayInquiryParams,
  SingapayInquiryResult,
  SingapayListParams,
  SingapayPaymentParams,
  SingapayPaymentReceipt,
  SingapayResetResult,
  SingapayTransaction,
  SingapayTransactionList,
  SingapayListedTransaction,
  SingapayTransactionPage,
} from './singapay-biller.types.js';

/** Without pagination, `listAllTransactions` reads at most this many pages unless told otherwise; a longer list is not complete. */
const SINGAPAY_LIST_MAX_PAGES = 200;

/** List pages `listAllTransactions` reads at a time once the first page named the last. */
const SINGAPAY_LIST_CONCURRENCY = 4;

/**
 * Whether a failed call is Singapay saying that what was asked for does not exist: code 06 echoing
 * the command asked, as the docs print it for an unknown transaction id. A 06 that echoes no command,
 * or another, may be a wrong path or a gateway's 404, and is never "not found": a payment concluded
 * failed, or a callback dropped as forged, on such an answer could lose money.
 */
export function isSingapayNotFound(error: unknown, command: string): error is SingapayNotFoundException {
  return error instanceof SingapayNotFoundException && asRecord(error.raw)?.command === command;
}

/** `getTransaction()`'s answer for an id Singapay does not know (see `isSingapayNotFound`). */
export const isUnknownSingapayTransaction = (error: unknown): error is SingapayNotFoundException =>
  isSingapayNotFound(error, SINGAPAY_GENERAL_COMMANDS.detailTransaction);

/** What a payment call carries besides its request: allow-listed log metadata, and the token it took beforehand. */
export interface SingapayPaymentLog {
  idempotencyKey?: string;
  /** From `paymentToken()`; without it the call takes its own. */
  token?: string;
}

/**
 * The Biller API, one method per Singapay call: it builds every request body and
 * reads every answer, so the service and the payments engine above it deal in
 * camelCase values only. Inputs are trusted here (the service validates what users
 * pass); every failure is a `SingapayException` from the API client below.
 */
@Injectable()
export class SingapayBillerApi {
  /** Whether this registration's Singapay refused `SINGAPAY_LIST_PAGE_SIZE`: then pages are read at its own size. */
  private pageSizeRefused = false;

  constructor(
    private readonly api: SingapayApiClient,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
  ) {}

  /** A call that is not a purchase: the contract names its path and its command by the same key. */
  private general(
    operation: string,
    key: keyof typeof SINGAPAY_GENERAL_PATHS,
    call?: SingapayCallOptions,
    data?: Record<string, unknown>,
    read?: Pick<SingapayRequest, 'dataMayBeList'>,
  ) {
    const body = { command: SINGAPAY_GENERAL_COMMANDS[key], ...(data ? { data } : {}) };
    return this.api.call({ operation, path: SINGAPAY_GENERAL_PATHS[key], body, call, ...read });
  }

  async checkBalance(call?: SingapayCallOptions): Promise<SingapayBalance> {
    const { fields, raw } = await this.general('checkBalance', 'checkBalance', call);
    // One documented answer has a bare number and no currency: the deposit is in rupiah.
    return { balance: fields.decimal('balance'), currency: fields.optionalString('currency') ?? 'IDR', raw };
  }

  async inquiry(req: SingapayInquiryParams, call?: SingapayCallOptions): Promise<SingapayInquiryResult> {
    const envelope = await this.api.call({
      operation: 'inquiry',
      path: singapayProductPath(this.options.apiVersion, SINGAPAY_COMMANDS[req.command].family, 'inquiry'),
      body: {
        command: req.command,
        data: dropUndefined({
          customer_id: req.customerId,
          product_code: req.productCode,
          period: req.period,
          phone_number: req.phoneNumber,
          [SINGAPAY_GAME_FIELDS.serverId]: req.serverId,
          [SINGAPAY_GAME_FIELDS.username]: req.username,
          [SINGAPAY_GAME_FIELDS.platform]: req.platform,
        }),
      },
      call,
      log: { productCode: req.productCode, customerId: req.customerId },
    });
    return readInquiry(envelope.fields, req.command, req.customerId, envelope.raw, this.now());
  }

  /** The access token a payment is sent with; a failure is a `SingapayException` with `delivery: 'not_sent'`. */
  paymentToken(call?: SingapayCallOptions): Promise<string> {
    return this.api.accessTokenFor('pay', call);
  }

  /**
   * Sends one payment: never retried here once it may have left (the API client's
   * rule for money). Resolves for `00` and `01`; an answer that says so but cannot
   * be read throws `malformed_response` with the answer kept, since it was applied.
   */
  async pay(req: SingapayPaymentParams, call?: SingapayCallOptions, log: SingapayPaymentLog = {}): Promise<SingapayPaymentReceipt> {
    const envelope = await this.api.call({
      operation: 'pay',
      path: singapayProductPath(this.options.apiVersion, SINGAPAY_COMMANDS[req.command].family, 'payment'),
      body: {
        command: req.command,
        data: dropUndefined({
          password: this.options.password.reveal(),
          product_code: req.productCode,
          customer_id: req.customerId,
          reference_number: req.referenceNumber,
        }),
      },
      acceptPending: true,
      moneyMoving: true,
      call,
      token: log.token,
      log: dropUndefined({ productCode: req.productCode, customerId: req.customerId, idempotencyKey: log.idempotencyKey }),
    });
    return readPaymentReceipt(envelope.fields, envelope.responseCode === '00' ? '00' : '01', envelope.raw, this.now());
  }

  async getTransaction(transactionId: string, call?: SingapayCallOptions): Promise<SingapayTransaction> {
    const envelope = await this.general('getTransaction', 'detailTransaction', call, { transaction_id: transactionId });
    return readTransaction(envelope.fields, envelope.raw, this.now());
  }

  async listTransactions(req: SingapayListParams = {}, call?: SingapayCallOptions): Promise<SingapayTransactionPage> {
    const filter = dropUndefined({
      transaction_id: req.transactionId,
      customer_id: req.customerId,
      status: req.status,
      start_date: req.startDate,
      end_date: req.endDate,
      // Sent as text, as in Singapay's example.
      page: req.page === undefined ? undefined : String(req.page),
      [SINGAPAY_LIST_PAGE_SIZE.field]: req.perPage === undefined ? undefined : String(req.perPage),
    });
    let envelope: SingapayEnvelope;
    try {
      envelope = await this.general('listTransactions', 'listTransactions', call, Object.keys(filter).length ? filter : undefined);
    } catch (error) {
      // How Singapay answers a search that finds nothing is undocumented; "not found" is one
      // plausible way. Only when it echoes the list command: a wrong path is never "no rows".
      if (isSingapayNotFound(error, SINGAPAY_GENERAL_COMMANDS.listTransactions))
        return { items: [], pagination: null, raw: asRecord(error.raw)! };
      throw error;
    }
    // `00` with no data at all is the other plausible empty answer; `bill_transactions: []` the documented one.
    if (Object.keys(envelope.data).length === 0) return { items: [], pagination: null, raw: envelope.raw };
    const now = this.now();
    // Each row's `raw` from the page's scrubbed body, as the page's own is.
    const rows = asRecord(envelope.raw.data)?.bill_transactions;
    const items = envelope.fields
      .array('bill_transactions')
      .map((row, i) => readTransaction(row, (Array.isArray(rows) && asRecord(rows[i])) || row.value(), now));
    const page = envelope.fields.optionalObject('pagination');
    return {
      items,
      pagination: page
        ? {
            currentPage: page.integer('current_page'),
            lastPage: page.integer('last_page'),
            perPage: page.integer('per_page'),
            total: page.integer('total'),
          }
        : null,
      raw: envelope.raw,
    };
  }

  /**
   * Every page of a list, until the list ends by its own rule (`SingapayTransactionList.complete`;
   * the legacy answer, without pagination, may ignore `page`). Page 1 comes first; with pagination
   * the rest are read `concurrency` at a time, in page order, and a failed page (after the usual
   * retries of reads) is asked once more before the list gives up on it. `maxPages` defaults to
   * what the first page's total needs, with room for a list that grows while it is read. It never
   * throws for a page: a list ended early keeps what was read, and the caller decides whether that
   * is of any use (a search for one payment is not; a report can say so).
   */
  async listAllTransactions(
    filter: Omit<SingapayListParams, 'page'> = {},
    call?: SingapayCallOptions,
    {
      maxPages,
      concurrency = SINGAPAY_LIST_CONCURRENCY,
      onPage,
    }: {
      maxPages?: number;
      concurrency?: number;
      /** After each page read: how many so far, and how many the list has when its first page said. */
      onPage?: (pagesRead: number, pages: number | undefined) => void;
    } = {},
  ): Promise<SingapayTransactionList> {
    const seen = new Map<string, SingapayListedTransaction>();
    let pagesRead = 0;
    let pagesDone = 0;
    const list = (extra: Partial<SingapayTransactionList>): SingapayTransactionList => ({
      transactions: [...seen.values()],
      complete: false,
      pagesRead,
      ...extra,
    });
    // One page size for the whole list: pages cut at different sizes would not line up.
    let askPageSize = !this.pageSizeRefused;
    let pages: number | undefined;
    const read = async (page: number): Promise<SingapayTransactionPage> => {
      pagesRead++;
      const once = async (): Promise<SingapayTransactionPage> => {
        if (!askPageSize) return this.listTransactions({ ...filter, page }, call);
        try {
          return await this.listTransactions({ ...filter, page, perPage: SINGAPAY_LIST_PAGE_SIZE.rows }, call);
        } catch (error) {
          // Refused with 04 for the field alone (the same request without it is answered): never asked again.
          if (page !== 1 || !(error instanceof SingapayValidationException)) throw error;
          const without = await this.listTransactions({ ...filter, page }, call);
          askPageSize = false;
          this.pageSizeRefused = true;
          return without;
        }
      };
      const result = await once().catch(() => once());
      pagesDone++;
      pages = result.pagination ? Math.max(pages ?? 0, result.pagination.lastPage) : pages;
      onPage?.(pagesDone, pages);
      return result;
    };

    let first: SingapayTransactionPage;
    try {
      first = await read(1);
    } catch (error) {
      return list({ incomplete: 'page_failed', error, failedPage: 1 });
    }
    const cap = maxPages !== undefined && Number.isFinite(maxPages) && maxPages >= 1 ? Math.floor(maxPages) : undefined;
    const paged = first.pagination;
    const totals = new Set<number>();
    // Without pagination there is no last page: pages are read one at a time.
    let lastPage = paged ? paged.lastPage : Infinity;
    // Room for a list that grows while it is read. A last page beyond what the first page's own total needs is
    // not believed (an absurd one would have every page up to it asked for): the pages the total needs, with room.
    // Rows a page really holds: a page size asked for and echoed may not be the one kept.
    const perPage = paged ? Math.min(paged.perPage, first.items.length || paged.perPage) : 0;
    const needed = paged && perPage > 0 ? Math.max(1, Math.ceil(paged.total / perPage)) : lastPage;
    const pagesOf = (n: number) => n + Math.max(10, Math.ceil(n / 10));
    const limit = cap ?? (paged ? pagesOf(Math.min(lastPage, needed)) : SINGAPAY_LIST_MAX_PAGES);
    let ended = false;
    // Without pagination a list ends with a page that brings nothing new: an empty one. A full page of
    // rows already read may be a server that ignores `page`, with rows it never showed: not an end.
    let repeated = false;
    const noted = (result: SingapayTransactionPage): void => {
      const known = seen.size;
      for (const { raw: _raw, ...tx } of result.items) seen.set(tx.transactionId, tx);
      if (!paged) {
        ended = seen.size === known;
        repeated = ended && result.items.length > 0;
      } else if (result.pagination) {
        totals.add(result.pagination.total);
        // A list that grows while it is read names a later last page: those pages are read too.
        lastPage = Math.max(lastPage, result.pagination.lastPage);
      }
    };
    noted(first);
    let next = 2;
    let failure: { error: unknown; page: number } | undefined;
    const worker = async (): Promise<void> => {
      while (failure === undefined && !ended && next <= Math.min(lastPage, limit)) {
        const page = next++;
        try {
          noted(await read(page));
        } catch (error) {
          failure ??= { error, page };
        }
      }
    };
    const workers = paged && Number.isFinite(concurrency) && concurrency >= 1 ? Math.floor(concurrency) : 1;
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure === undefined && totals.size > 1) {
      // The list changed while its pages were read out of order, and a row pushed from one page to
      // the next may have fallen between two reads. Read in order, a pushed row is only read twice.
      next = 1;
      await worker();
    }
    const counted = paged ? { total: paged.total } : {};
    if (failure) return list({ incomplete: 'page_failed', error: failure.error, failedPage: failure.page, ...counted });
    if (!ended && lastPage > limit) return list({ incomplete: 'page_limit', ...counted });
    if (repeated) return list({ incomplete: 'page_repeated' });
    // Fewer rows than the list counts (a page size asked for, echoed, and not kept): rows went unread.
    if (paged && totals.size === 1 && seen.size < paged.total) return list({ incomplete: 'rows_missing', ...counted });
    return list({ complete: true, ...counted });
  }

  async getGameTopupParameters(categoryCode: string, call?: SingapayCallOptions): Promise<SingapayGameTopupParameters> {
    // Undocumented answer: `data` may be a map or a list, both read as they came; `raw` is the scrubbed body.
    const envelope = await this.general(
      'getGameTopupParameters',
      'gameTopupParameters',
      call,
      { category_code: categoryCode },
      { dataMayBeList: true },
    );
    return { categoryCode, parameters: envelope.listData ?? envelope.data, raw: envelope.raw };
  }

  async resetCustomerIds(call?: SingapayCallOptions): Promise<SingapayResetResult> {
    const envelope = await this.general('resetCustomerIds', 'resetCustomerId', call);
    return { responseText: envelope.responseText, raw: envelope.raw };
  }
}
