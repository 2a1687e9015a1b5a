import { BadRequestException, Inject, Injectable, Logger, NotImplementedException, ServiceUnavailableException } from '@nestjs/common';
import { isUnknownSingapayTransaction, SingapayBillerApi } from '../biller/singapay-biller.api.js';
import type { SingapayListedTransaction } from '../biller/singapay-biller.types.js';
import { calendarDayStart, formatSingapayIso, singapayWibDay } from '../biller/singapay-time.js';
import { SINGAPAY_WIB_OFFSET_MINUTES } from '../contract/singapay-api.contract.js';
import { SingapayException } from '../errors/singapay.exception.js';
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
  madeNoTransaction,
  pairedRow,
  pairRecords,
  rowTime,
  singapayOnlyRow,
  summarise,
  totals,
  transactionInstant,
} from './singapay-reconciliation.pairing.js';
import type {
  SingapayReconciliationOptions,
  SingapayReconciliationReport,
  SingapayReconciliationRow,
} from './singapay-reconciliation.types.js';
import { dropUndefined } from '../util/singapay-json.js';

const DAY_MS = 86_400_000;
const WIB_OFFSET_MS = SINGAPAY_WIB_OFFSET_MINUTES * 60_000;
const RECORD_PAGE = 500;

/** A WIB day: its `YYYY-MM-DD` and its instants `[fromMs, toMs)`. */
export type SingapayReconciliationDay = { date: string; fromMs: number; toMs: number };

const badRequest = (message: string[]) => new BadRequestException({ statusCode: 400, error: 'Bad Request', message });

/** No report reaches further back: PPOB through Singapay's Biller API does not. */
const RECONCILIATION_FIRST_DAY = '2000-01-01';

/** The WIB day `date` names; a 400 naming `date` for anything but a calendar day `YYYY-MM-DD`. */
export function parseReconciliationDate(date: unknown, now = Date.now()): SingapayReconciliationDay {
  const text = typeof date === 'string' ? date : '';
  const midnightUtc = calendarDayStart(text);
  if (midnightUtc === undefined) {
    throw badRequest(['date must be a calendar day as YYYY-MM-DD (a day in WIB, UTC+7), e.g. 2025-06-10']);
  }
  // A nightly job with a wrong date must not show green: no such day has a transaction.
  if (text < RECONCILIATION_FIRST_DAY) throw badRequest([`date must be ${RECONCILIATION_FIRST_DAY} or later`]);
  const fromMs = midnightUtc - WIB_OFFSET_MS;
  if (fromMs > now) throw badRequest([`date ${text} has not begun yet in WIB (UTC+7): a report covers a day that has begun`]);
  return { date: text, fromMs, toMs: fromMs + DAY_MS };
}

/** A 400 naming the limit that is not a whole number of at least 1 (a NaN would end a list as read in full). */
function checkReconciliationOptions(options: SingapayReconciliationOptions): void {
  const least = (name: keyof SingapayReconciliationOptions) => (name === 'maxDetailLookups' ? 0 : 1);
  const problems = (['maxPages', 'listConcurrency', 'maxRecords', 'maxDetailLookups'] as const)
    .filter((name) => options[name] !== undefined && !(Number.isSafeInteger(options[name]) && options[name]! >= least(name)))
    .map((name) => `${name} must be a whole number of at least ${least(name)}`);
  if (problems.length > 0) throw badRequest(problems);
}

/** The daily reconciliation behind `SingapayService.reconcileDay()`: read-only, nothing written anywhere. */
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
  dayOf(date: unknown): SingapayReconciliationDay {
    return parseReconciliationDate(date, this.now());
  }

  async run(
    day: SingapayReconciliationDay,
    call?: SingapayCallOptions,
    options: SingapayReconciliationOptions = {},
  ): Promise<SingapayReconciliationReport> {
    checkReconciliationOptions(options);
    const { maxPages, maxDetailLookups = 100, listConcurrency, onProgress } = options;
    const inDay = (ms: number) => ms >= day.fromMs && ms < day.toMs;
    this.recordLister(); // a store that cannot list by creation is refused before any request

    // The WIB day falls on its own date and the one before, whichever zone the filter reads dates in.
    const startDate = singapayWibDay(day.fromMs - DAY_MS);
    const endDate = singapayWibDay(day.fromMs);
    const onPage =
      onProgress && ((pagesRead: number, pages?: number) => onProgress(pages === undefined ? { pagesRead } : { pagesRead, pages }));
    const list = await this.biller.listAllTransactions({ startDate, endDate }, call, { concurrency: listConcurrency, maxPages, onPage });
    // Room for every transaction read to have its record, and for records that never reached Singapay.
    const maxRecords = options.maxRecords ?? Math.max(100_000, 2 * list.transactions.length);
    const local = await this.readRecords(day.fromMs - DAY_MS, day.toMs + DAY_MS, maxRecords);

    // Records whose transaction a lookup proved missing, and those left unverified (with why).
    const notFound = new Set<string>();
    const unchecked = new Map<string, string>();
    let detailLookups = 0;
    /** Whether a record may have a lookup of its own: at most `maxDetailLookups`, and the records beyond are unverified. */
    const mayLookUp = (record: SingapayPaymentRecord): boolean => {
      if (detailLookups < maxDetailLookups) {
        detailLookups++;
        return true;
      }
      unchecked.set(record.key, `the limit of ${maxDetailLookups} detail lookups was reached`);
      return false;
    };

    // A payment sent just before midnight may be dated the next day by Singapay's clock. When its
    // record holds no transaction (its answer was lost), the next day of its customer is read too.
    const nextDate = singapayWibDay(day.toMs);
    const transactions = new Map(list.transactions.map((tx) => [tx.transactionId, tx]));
    for (const record of local.records.values()) {
      // Its last send counts (a payment resent after midnight keeps its creation time), and only a
      // purchase with a reference is paired without a transaction id; one refused or never sent has no transaction.
      const sent = record.sentAt ?? record.createdAt;
      if (!inDay(record.createdAt) || record.transactionId || !record.referenceNumber || madeNoTransaction(record)) continue;
      if (sent < day.toMs - this.policy.options.clockSkewToleranceMs || !mayLookUp(record)) continue;
      const own = await this.biller.listAllTransactions({ customerId: record.customerId, startDate: nextDate, endDate: nextDate }, call, {
        maxPages: this.policy.options.searchMaxPages,
      });
      for (const tx of own.transactions) transactions.set(tx.transactionId, tx);
      if (!own.complete) unchecked.set(record.key, `its customer's transactions of ${nextDate} could not be read in full`);
    }
    const pairs = pairRecords([...local.records.values()], [...transactions.values()], this.policy.options.clockSkewToleranceMs);

    // Transactions records hold that the list did not show: asked for one by one.
    for (const record of local.records.values()) {
      if (!inDay(record.createdAt) || !record.transactionId || pairs.has(record.key) || !mayLookUp(record)) continue;
      try {
        const tx = await this.biller.getTransaction(record.transactionId, call);
        pairs.set(record.key, { tx, foundIn: 'detail', pairedBy: 'transaction_id' });
      } catch (error) {
        if (isUnknownSingapayTransaction(error)) notFound.add(record.key);
        else unchecked.set(record.key, `the detail lookup failed (${describe(error)})`);
      }
    }
    // A record paired after all (its next day's search was cut short, or its lookup not made, but the day's list held its
    // transaction) is verified: no warning, and no incomplete report, for it.
    for (const key of pairs.keys()) unchecked.delete(key);

    // Transactions of the day no record in the window holds: a record of another day may.
    const paired = new Set([...pairs.values()].map((p) => p.tx.transactionId));
    const alone: SingapayListedTransaction[] = [];
    let elsewhere = 0;
    for (const tx of list.transactions) {
      if (paired.has(tx.transactionId) || !inDay(transactionInstant(tx))) continue;
      const holder = await this.guard(() => this.store.findByTransactionId(tx.transactionId));
      if (!holder || pairs.has(holder.key)) alone.push(tx);
      else if (inDay(holder.createdAt)) {
        // A record of this day the listing missed (a Redis record written before its index existed),
        // or one that took this transaction after it was read: the fresh copy pairs, in the place of any copy read.
        local.records.set(holder.key, holder);
        pairs.set(holder.key, { tx, foundIn: 'list', pairedBy: 'transaction_id' });
      } else elsewhere++;
    }

    const rows: SingapayReconciliationRow[] = [];
    let pairedAcross = 0;
    for (const record of local.records.values()) {
      const pairing = pairs.get(record.key);
      if (!inDay(record.createdAt)) {
        if (pairing && inDay(transactionInstant(pairing.tx))) pairedAcross++;
        continue;
      }
      // Without a transaction: confirmed when a lookup said not found, or the list was read in full and nothing was left unchecked.
      const why = unchecked.get(record.key);
      if (pairing) rows.push(pairedRow(record, pairing));
      else rows.push(localOnlyRow(record, notFound.has(record.key) || (why === undefined && list.complete), why));
    }
    for (const tx of alone) rows.push(singapayOnlyRow(tx, local.complete));
    hintLostPurchases(rows, this.policy.options.clockSkewToleranceMs, local.records);
    rows.sort((a, b) => rowTime(a) - rowTime(b));

    // A day not over yet is not complete: a report of it (a nightly job given today's date) is never green.
    const dayOver = this.now() >= day.toMs;
    const complete = list.complete && local.complete && unchecked.size === 0 && dayOver;
    const summary = summarise(rows);
    const listWhy =
      list.incomplete === 'page_limit'
        ? `the limit of ${list.pagesRead} pages was reached`
        : list.incomplete === 'rows_missing'
          ? `its pages held ${list.transactions.length} transactions where it counts ${list.total}`
          : list.incomplete === 'page_repeated'
            ? `page ${list.pagesRead} repeated rows already read (a list without pagination that ignores page?)`
            : `page ${list.failedPage ?? list.pagesRead} failed (${describe(list.error)})`;
    const now = this.now();
    const warnings = [
      !list.complete &&
        `INCOMPLETE: Singapay's list was not read in full: ${listWhy}. Records without a transaction are "unverified", not missing; run the report again.`,
      local.incomplete === 'record_limit' &&
        `INCOMPLETE: more than ${maxRecords} local records in three days; transactions without a record are "unverified".`,
      local.incomplete === 'page_repeated' &&
        'INCOMPLETE: the payment store answered a full page of records already read (does its listCreatedBetween ignore the cursor?); transactions without a record are "unverified".',
      unchecked.size > 0 && `INCOMPLETE: ${unchecked.size} record(s) could not be looked up at Singapay; they are "unverified".`,
      !dayOver && `INCOMPLETE: ${day.date} is not over yet in WIB: payments of the day are still coming in.`,
      pairedAcross > 0 &&
        `${pairedAcross} transaction(s) of this day belong to records of the day before or after (near midnight): reported there.`,
      elsewhere > 0 &&
        `${elsewhere} transaction(s) of this day belong to records made on other days: reported on those days (a record sent again later is paired only by a report of its day run after that send).`,
    ].filter((w) => w !== false);

    const line = `reconcileDay ${day.date}: ${summary.rows} rows, ${summary.needsAttention} need attention${complete ? '' : ', INCOMPLETE'}`;
    this.logger[complete ? 'log' : 'warn'](line);
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
      local: dropUndefined({ complete: local.complete, recordsRead: local.records.size, incomplete: local.incomplete }),
      summary,
      totals: { singapay: totals(rows, 'singapay'), local: totals(rows, 'local') },
      rows,
    };
  }

  /** The records created in `[fromMs, toMs)` by key, in the order read, page by page, up to `max`. */
  private async readRecords(fromMs: number, toMs: number, max: number) {
    const list = this.recordLister();
    const records = new Map<string, SingapayPaymentRecord>();
    let after: SingapayPaymentRecordCursor | undefined;
    for (;;) {
      const page = await this.guard(() => list(fromMs, toMs, RECORD_PAGE, after));
      const before = records.size;
      for (const r of page) records.set(r.key, r);
      const last = page[page.length - 1];
      if (page.length < RECORD_PAGE || !last) return { records, complete: true };
      // A full page of nothing new: a store that ignores the cursor would page forever.
      if (records.size === before) return { records, complete: false, incomplete: 'page_repeated' as const };
      if (records.size >= max) return { records, complete: false, incomplete: 'record_limit' as const };
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
