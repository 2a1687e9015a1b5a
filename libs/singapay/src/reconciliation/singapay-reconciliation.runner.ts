import { BadRequestException, Inject, Injectable, Logger, NotImplementedException, ServiceUnavailableException } from '@nestjs/common';
import { SINGAPAY_LIST_CONCURRENCY, SingapayBillerApi } from '../biller/singapay-biller.api.js';
import type { SingapayListedTransaction } from '../biller/singapay-biller.types.js';
import { formatSingapayIso, singapayWibDay } from '../biller/singapay-time.js';
import { SINGAPAY_WIB_OFFSET_MINUTES } from '../contract/singapay-api.contract.js';
import { SingapayException, SingapayNotFoundException } from '../errors/singapay.exception.js';
import type { SingapayCallOptions } from '../http/singapay-transport.js';
import type { SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import {
  SingapayPaymentStoreError,
  type SingapayPaymentRecordCursor,
  SingapayPaymentStore,
} from '../payments/singapay-payment-store.interface.js';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, type SingapayClock } from '../singapay.constants.js';
import { SingapayRecoveryPolicy } from '../payments/recovery/singapay-recovery.policy.js';
import {
  hintLostPurchases,
  localOnlyRow,
  pairedRow,
  pairRecords,
  rowTime,
  singapayOnlyRow,
  summarise,
  totals,
  transactionInstant,
  type SingapayPairing,
} from './singapay-reconciliation.pairing.js';
import type {
  SingapayReconciliationOptions,
  SingapayReconciliationReport,
  SingapayReconciliationRow,
} from './singapay-reconciliation.types.js';

const DAY_MS = 86_400_000;
const WIB_OFFSET_MS = SINGAPAY_WIB_OFFSET_MINUTES * 60_000;
const RECORD_PAGE = 500;

/** The WIB day `date` names, as `[fromMs, toMs)`; a 400 naming `date` for anything but a calendar day `YYYY-MM-DD`. */
export function parseReconciliationDate(date: unknown, now = Date.now()): { date: string; fromMs: number; toMs: number } {
  const refuse = (why: string) => new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [why] });
  const text = typeof date === 'string' ? date : '';
  const midnightUtc = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(midnightUtc) || new Date(midnightUtc).toISOString().slice(0, 10) !== text) {
    throw refuse('date must be a calendar day as YYYY-MM-DD (a day in WIB, UTC+7), e.g. 2025-06-10');
  }
  // A nightly job with a wrong date must not show green: no such day has a transaction.
  if (text < RECONCILIATION_FIRST_DAY) throw refuse(`date must be ${RECONCILIATION_FIRST_DAY} or later`);
  const fromMs = midnightUtc - WIB_OFFSET_MS;
  if (fromMs > now) throw refuse(`date ${text} has not begun yet in WIB (UTC+7): a report covers a day that has begun`);
  return { date: text, fromMs, toMs: fromMs + DAY_MS };
}

/** A 400 naming the limit that is not a whole number of at least 1 (a NaN would end a list as read in full). */
function checkReconciliationOptions(options: SingapayReconciliationOptions): void {
  const problems = (['maxPages', 'listConcurrency', 'maxRecords', 'maxDetailLookups'] as const)
    .filter(
      (name) =>
        options[name] !== undefined && !(Number.isSafeInteger(options[name]) && options[name]! >= (name === 'maxDetailLookups' ? 0 : 1)),
    )
    .map((name) => `${name} must be a whole number of at least ${name === 'maxDetailLookups' ? 0 : 1}`);
  if (problems.length > 0) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems });
}

/** No report reaches further back: PPOB through Singapay's Biller API does not. */
const RECONCILIATION_FIRST_DAY = '2000-01-01';

/**
 * The daily reconciliation: every local record of a WIB day against Singapay's list of the two
 * dates the day can fall on (the list filter's zone is undocumented: UTC or WIB), paired by
 * transaction id, then by reference number; records whose transaction the list does not show
 * are looked up by id, and the next day of a customer is read for a record sent in the day's
 * last minutes. Read-only: list and detail calls at Singapay, reads of the store, and nothing
 * written anywhere.
 */
@Injectable()
export class SingapayDayReconciliation {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);

  constructor(
    private readonly biller: SingapayBillerApi,
    @Inject(SingapayPaymentStore) private readonly store: SingapayPaymentStore,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
    /** Its matching rule pairs records and transactions; its clock skew bounds the hint on lost direct purchases. */
    private readonly policy: SingapayRecoveryPolicy,
  ) {}

  /** The WIB day of `date` on this registration's clock (a future day is refused). */
  dayOf(date: unknown): { date: string; fromMs: number; toMs: number } {
    return parseReconciliationDate(date, this.now());
  }

  async run(
    day: { date: string; fromMs: number; toMs: number },
    call?: SingapayCallOptions,
    options: SingapayReconciliationOptions = {},
  ): Promise<SingapayReconciliationReport> {
    checkReconciliationOptions(options);
    const { maxPages, maxDetailLookups = 100, listConcurrency = SINGAPAY_LIST_CONCURRENCY, onProgress } = options;
    const inDay = (ms: number) => ms >= day.fromMs && ms < day.toMs;
    const wibDay = (ms: number) => singapayWibDay(ms);
    this.recordLister(); // a store that cannot list by creation is refused before any request

    // The WIB day falls on its own date and the one before, whichever zone the filter reads dates in.
    const startDate = wibDay(day.fromMs - DAY_MS);
    const endDate = wibDay(day.fromMs);
    const onPage =
      onProgress && ((pagesRead: number, pages?: number) => onProgress(pages === undefined ? { pagesRead } : { pagesRead, pages }));
    const list = await this.biller.listAllTransactions({ startDate, endDate }, call, {
      concurrency: listConcurrency,
      ...(maxPages === undefined ? {} : { maxPages }),
      ...(onPage ? { onPage } : {}),
    });
    // Room for every transaction read to have its record, and for records that never reached Singapay.
    const maxRecords = options.maxRecords ?? Math.max(100_000, 2 * list.transactions.length);
    const local = await this.readRecords(day.fromMs - DAY_MS, day.toMs + DAY_MS, maxRecords);

    // A payment sent just before midnight may be dated the next day by Singapay's clock. When its
    // record holds no transaction (its answer was lost), the next day of its customer is read too.
    const notFound = new Set<string>();
    const unchecked = new Map<string, string>();
    let detailLookups = 0;
    const nextDate = wibDay(day.toMs);
    const transactions = new Map(list.transactions.map((tx) => [tx.transactionId, tx]));
    for (const record of local.records) {
      // Its last send counts (a payment resent after midnight keeps its creation time), and only a
      // purchase with a reference is paired without a transaction id; one refused or never sent has no transaction.
      const sent = record.sentAt ?? record.createdAt;
      const noTransaction = record.state === 'failed' && (record.failure?.reason === 'rejected' || record.failure?.reason === 'not_sent');
      if (!inDay(record.createdAt) || record.transactionId || !record.referenceNumber || noTransaction) continue;
      if (sent < day.toMs - this.policy.options.skewMs) continue;
      if (detailLookups >= maxDetailLookups) {
        unchecked.set(record.key, `the limit of ${maxDetailLookups} detail lookups was reached`);
        continue;
      }
      detailLookups++;
      const own = await this.biller.listAllTransactions({ customerId: record.customerId, startDate: nextDate, endDate: nextDate }, call, {
        maxPages: this.policy.options.searchMaxPages,
      });
      for (const tx of own.transactions) transactions.set(tx.transactionId, tx);
      if (!own.complete) unchecked.set(record.key, `its customer's transactions of ${nextDate} could not be read in full`);
    }
    const pairs = pairRecords(local.records, [...transactions.values()]);

    // Transactions records hold that the list did not show: asked for one by one.
    for (const record of local.records) {
      if (!inDay(record.createdAt) || !record.transactionId || pairs.has(record.key)) continue;
      if (detailLookups >= maxDetailLookups) {
        unchecked.set(record.key, `the limit of ${maxDetailLookups} detail lookups was reached`);
        continue;
      }
      detailLookups++;
      try {
        const tx = await this.biller.getTransaction(record.transactionId, call);
        pairs.set(record.key, { tx: { tx, foundIn: 'detail' }, pairedBy: 'transaction_id' });
      } catch (error) {
        if (error instanceof SingapayNotFoundException) notFound.add(record.key);
        else unchecked.set(record.key, `the detail lookup failed (${describe(error)})`);
      }
    }

    // Transactions of the day no record in the window holds: a record of another day may.
    const paired = new Set([...pairs.values()].map((p) => p.tx.tx.transactionId));
    const known = new Set(local.records.map((r) => r.key));
    const alone: SingapayListedTransaction[] = [];
    let elsewhere = 0;
    for (const tx of list.transactions) {
      if (paired.has(tx.transactionId) || !inDay(transactionInstant(tx))) continue;
      const holder = await this.guard(() => this.store.findByTransactionId(tx.transactionId));
      if (!holder || pairs.has(holder.key)) alone.push(tx);
      else if (inDay(holder.createdAt)) {
        // A record of this day the listing missed (a Redis record written before its index existed),
        // or one that took this transaction after it was read: the fresh copy pairs.
        if (known.has(holder.key))
          local.records.splice(
            local.records.findIndex((r) => r.key === holder.key),
            1,
            holder,
          );
        else local.records.push(holder);
        known.add(holder.key);
        pairs.set(holder.key, { tx: { tx, foundIn: 'list' }, pairedBy: 'transaction_id' });
      } else elsewhere++;
    }

    const rows: SingapayReconciliationRow[] = [];
    let pairedAcross = 0;
    for (const record of local.records) {
      const pairing: SingapayPairing | undefined = pairs.get(record.key);
      if (!inDay(record.createdAt)) {
        if (pairing && inDay(transactionInstant(pairing.tx.tx))) pairedAcross++;
        continue;
      }
      if (pairing) rows.push(pairedRow(record, pairing, wibDay));
      else if (notFound.has(record.key)) rows.push(localOnlyRow(record, true));
      else if (unchecked.has(record.key)) rows.push(localOnlyRow(record, false, unchecked.get(record.key)));
      else rows.push(localOnlyRow(record, list.complete, list.complete ? undefined : "Singapay's list was not read in full"));
    }
    for (const tx of alone) rows.push(singapayOnlyRow(tx, local.complete));
    hintLostPurchases(rows, this.policy.options.skewMs);
    rows.sort((a, b) => rowTime(a) - rowTime(b));

    const complete = list.complete && local.complete && unchecked.size === 0;
    const summary = summarise(rows);
    const warnings: string[] = [];
    if (!list.complete) {
      const why =
        list.incomplete === 'page_limit'
          ? `the limit of ${list.pagesRead} pages was reached`
          : list.incomplete === 'rows_missing'
            ? `its pages held ${list.transactions.length} transactions where it counts ${list.total}`
            : `page ${list.failedPage ?? list.pagesRead} failed (${describe(list.error)})`;
      warnings.push(
        `INCOMPLETE: Singapay's list was not read in full: ${why}. Records without a transaction are "unverified", not missing; run the report again.`,
      );
    }
    if (!local.complete)
      warnings.push(`INCOMPLETE: more than ${maxRecords} local records in three days; transactions without a record are "unverified".`);
    if (unchecked.size > 0)
      warnings.push(`INCOMPLETE: ${unchecked.size} record(s) could not be looked up at Singapay; they are "unverified".`);
    const now = this.now();
    if (now < day.toMs) warnings.push(`${day.date} is not over yet in WIB: payments of the day are still coming in.`);
    if (pairedAcross > 0) {
      warnings.push(
        `${pairedAcross} transaction(s) of this day belong to records of the day before or after (near midnight): reported there.`,
      );
    }
    if (elsewhere > 0)
      warnings.push(`${elsewhere} transaction(s) of this day belong to records made on other days: reported on those days.`);

    const line = `reconcileDay ${day.date}: ${summary.rows} rows, ${summary.needsAttention} need attention${complete ? '' : ', INCOMPLETE'}`;
    if (complete) this.logger.log(line);
    else this.logger.warn(line);
    return {
      date: day.date,
      from: formatSingapayIso(day.fromMs),
      to: formatSingapayIso(day.toMs),
      generatedAt: formatSingapayIso(now),
      complete,
      warnings,
      singapay: {
        complete: list.complete,
        startDate,
        endDate,
        pagesRead: list.pagesRead,
        transactionsRead: list.transactions.length,
        detailLookups,
        ...(list.incomplete ? { incomplete: list.incomplete } : {}),
        ...(list.error !== undefined ? { failure: describe(list.error) } : {}),
      },
      local: { complete: local.complete, recordsRead: local.records.length },
      summary,
      totals: { singapay: totals(rows, 'singapay'), local: totals(rows, 'local') },
      rows,
    };
  }

  /** The records created in `[fromMs, toMs)`, page by page, up to `max`. */
  private async readRecords(fromMs: number, toMs: number, max: number): Promise<{ records: SingapayPaymentRecord[]; complete: boolean }> {
    const list = this.recordLister();
    const records = new Map<string, SingapayPaymentRecord>();
    let after: SingapayPaymentRecordCursor | undefined;
    for (;;) {
      const page = await this.guard(() => list(fromMs, toMs, RECORD_PAGE, after));
      for (const r of page) records.set(r.key, r);
      const last = page[page.length - 1];
      if (page.length < RECORD_PAGE || !last) return { records: [...records.values()], complete: true };
      if (records.size >= max) return { records: [...records.values()], complete: false };
      after = { createdAt: last.createdAt, key: last.key };
    }
  }

  private recordLister(): NonNullable<SingapayPaymentStore['listCreatedBetween']> {
    const list = this.store.listCreatedBetween?.bind(this.store);
    if (!list) {
      throw new NotImplementedException(
        `reconcileDay needs a payment store that lists records by creation (listCreatedBetween); ${this.store.constructor?.name ?? 'this store'} does not. The built-in memory, Redis and PostgreSQL stores do.`,
      );
    }
    return list;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.logger.error(`reconcileDay: the payment store could not be read: ${(error as Error)?.name ?? 'error'}`);
      // A store's own errors hold no credential; any other error may, so only its name.
      const detail = error instanceof SingapayPaymentStoreError ? error.message : ((error as Error)?.name ?? 'error');
      throw new ServiceUnavailableException({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `reconcileDay: the payment store could not be read (${detail})`,
      });
    }
  }
}

/** A failure in words that never hold a secret: a SingapayException's message, else only the error's name. */
function describe(error: unknown): string {
  if (error instanceof SingapayException) return `${error.responseType}: ${error.message}`;
  return (error as Error)?.name ?? 'error';
}
