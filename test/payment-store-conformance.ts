// The contract every SingapayPaymentStore keeps, run over each store by
// test/payment-stores.e2e-spec.ts. Only the interface is used here, so a new
// store passes by behaving, not by sharing code.
import { type SingapayPaymentState } from '@app/singapay';
import {
  isSettledPaymentRecord,
  type SingapayPaymentRecord,
  type SingapayPaymentRecordCursor,
  type SingapayPaymentStore,
} from '@app/singapay/stores/index.js';
import { describeListCreatedBetween } from './payment-store-conformance.created.js';

export interface ConformanceTarget {
  /** A store no other test writes to (fresh, or a namespace of its own). */
  fresh(): Promise<SingapayPaymentStore>;
  /** Whether `withNamespace` is expected (shared stores). */
  shared: boolean;
  /** Whether the optional `listCreatedBetween` is expected. @default true */
  listsByCreation?: boolean;
}

const STATES: SingapayPaymentState[] = ['sending', 'pending', 'unknown', 'success', 'failed', 'refunded'];

let seq = 0;
export function paymentRecord(key: string, extra: Partial<SingapayPaymentRecord> & Record<string, unknown> = {}): SingapayPaymentRecord {
  const now = 1_764_000_000_000 + seq++;
  return {
    key,
    requestHash: 'h'.repeat(64),
    command: 'pulsa',
    productCode: 'SPTLKMAS10',
    customerId: '081234567891',
    state: 'sending',
    sendCount: 0,
    lookups: 0,
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...extra,
  } as SingapayPaymentRecord;
}

/** `record` as the next version, with a change. */
export function bump(record: SingapayPaymentRecord, patch: Partial<SingapayPaymentRecord>): SingapayPaymentRecord {
  return { ...record, ...patch, version: record.version + 1, updatedAt: record.updatedAt + 1 };
}

/** Every field a record may carry, and fields it does not have yet (records grow). */
function fullRecord(key: string): SingapayPaymentRecord {
  let deep: unknown = { leaf: 'bottom' };
  for (let i = 0; i < 40; i++) deep = { level: i, next: deep, list: [i, `${i}`] };
  return paymentRecord(key, {
    command: 'plnpos',
    productCode: 'SPPLNPOS',
    customerId: '146300068064',
    referenceNumber: 'REF-0001',
    state: 'success',
    responseCode: '00',
    transactionId: `TX-${key}`,
    outcome: {
      transactionId: `TX-${key}`,
      amount: 151_005,
      price: 153_505,
      customerName: 'NARSONO Ñandú 名前 🚀',
      period: '202511',
      token: '1234-5678-9012-3456-7890',
      createdAt: '2025-11-24 10:00:00',
      raw: {
        command: 'plnpos',
        response_code: '00',
        data: {
          nested: deep,
          numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER, 5e-324],
          flags: [true, false, null],
          empty: {},
          none: [],
        },
        'key with "quotes" and \\ backslash': 'value\nwith\tcontrol\u0001chars',
      },
    },
    failure: { reason: 'not_found', code: null, type: 'not_found', httpStatus: 409, message: 'earlier inference' },
    sendCount: 1,
    lookups: 3,
    sentAt: 1_764_000_000_500,
    settledAt: 1_764_000_001_000,
    owner: 'owner-1',
    leaseUntil: 1_764_000_030_000,
    // Fields a later version of the record may add: stores keep what they do not know.
    futureField: { reconciledAt: 1_764_000_002_000, notes: ['a', 'b'], ratio: 0.25 },
    futureFlag: true,
  });
}

export function describePaymentStoreConformance(name: string, target: () => ConformanceTarget): void {
  describe(`SingapayPaymentStore contract: ${name}`, () => {
    let t: ConformanceTarget;
    let store: SingapayPaymentStore;
    beforeEach(async () => {
      t = target();
      store = await t.fresh();
    });

    it('creates a record once; a second create returns the stored one unchanged', async () => {
      const first = paymentRecord('k-create', { owner: 'a' });
      expect(await store.create(first)).toEqual({ created: true, record: first });
      const second = await store.create({ ...first, owner: 'b', createdAt: first.createdAt + 5 });
      expect(second.created).toBe(false);
      expect(second.record).toEqual(first);
      expect(await store.get('k-create')).toEqual(first);
      expect(await store.get('k-missing')).toBeUndefined();
    });

    it('lets exactly one of many concurrent creates on one key win, and all see the winner', async () => {
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => store.create(paymentRecord('k-race', { owner: `o${i}` }))));
      const winners = results.filter((r) => r.created);
      expect(winners).toHaveLength(1);
      const owner = winners[0]!.record.owner;
      expect(results.every((r) => r.record.owner === owner)).toBe(true);
      expect((await store.get('k-race'))?.owner).toBe(owner);
    });

    it('round-trips every field, unknown ones and odd text included', async () => {
      const record = fullRecord('k-full');
      await store.create(record);
      expect(await store.get('k-full')).toEqual(record);
      const next = bump(record, { lookups: 4 });
      expect(await store.replace(next, record.version)).toBe(true);
      expect(await store.get('k-full')).toEqual(next);
      expect(await store.findByTransactionId('TX-k-full')).toEqual(next);
    });

    it('keeps text that JSON columns refuse: NUL characters, unpaired surrogates, deep nesting', async () => {
      let deep: unknown = 'bottom';
      for (let i = 0; i < 300; i++) deep = [deep];
      const record = paymentRecord('k-odd', {
        state: 'unknown',
        responseCode: '99',
        failure: {
          reason: 'not_found',
          code: '99',
          type: 'internal',
          httpStatus: 502,
          message: 'nul \u0000 here, lone \ud800 and \udc00, pair 🚀',
        },
        outcome: { transactionId: 'TX-odd', raw: { 'k\u0000ey': 'v\u0000', deep, [`\udfff`]: 1 } },
      });
      await store.create(record);
      expect(await store.get('k-odd')).toEqual(record);
      expect((await store.listUnsettled(10)).map((r) => r.key)).toEqual(['k-odd']);
      const next = bump(record, { state: 'success', transactionId: 'TX-odd' });
      expect(await store.replace(next, 1)).toBe(true);
      expect(await store.findByTransactionId('TX-odd')).toEqual(next);
    });

    it('gives copies: changing a returned record changes nothing stored', async () => {
      const record = paymentRecord('k-copy');
      await store.create(record);
      const read = (await store.get('k-copy'))!;
      read.state = 'success';
      (read as unknown as Record<string, unknown>).extra = 1;
      record.state = 'failed';
      expect((await store.get('k-copy'))?.state).toBe('sending');
      expect(await store.get('k-copy')).not.toHaveProperty('extra');
    });

    it('replaces by compare-and-set on the version, and only to version + 1', async () => {
      const v1 = paymentRecord('k-cas');
      await store.create(v1);
      const v2 = bump(v1, { sendCount: 1 });
      expect(await store.replace({ ...v2, version: 3 }, 1)).toBe(false);
      expect(await store.replace(v2, 0)).toBe(false);
      expect(await store.replace(v2, 2)).toBe(false);
      expect(await store.replace(v2, 1)).toBe(true);
      expect(await store.replace(v2, 1)).toBe(false);
      expect(await store.get('k-cas')).toEqual(v2);
      expect(await store.replace(paymentRecord('k-never-created', { version: 2 }), 1)).toBe(false);
      expect(await store.get('k-never-created')).toBeUndefined();
    });

    it('lets exactly one of many concurrent replaces from one version win', async () => {
      const v1 = paymentRecord('k-cas-race');
      await store.create(v1);
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => store.replace(bump(v1, { owner: `w${i}` }), 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = `w${results.indexOf(true)}`;
      expect(await store.get('k-cas-race')).toMatchObject({ version: 2, owner: winner });
    });

    it('gives a transaction id to one key only, even when several race for it', async () => {
      const keys = Array.from({ length: 12 }, (_, i) => `k-tx-${i}`);
      const records = keys.map((k) => paymentRecord(k, { state: 'unknown' }));
      for (const r of records) await store.create(r);
      const results = await Promise.all(records.map((r) => store.replace(bump(r, { state: 'success', transactionId: 'TX-shared' }), 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const holder = keys[results.indexOf(true)]!;
      expect((await store.findByTransactionId('TX-shared'))?.key).toBe(holder);
      for (const [i, k] of keys.entries()) {
        if (k !== holder) expect(await store.get(k)).toEqual(records[i]);
      }
      // The holder may write its own transaction again; a later claim by another key still fails.
      const held = (await store.get(holder))!;
      expect(await store.replace(bump(held, { lookups: 9 }), held.version)).toBe(true);
      const loser = records.find((r) => r.key !== holder)!;
      expect(await store.replace(bump(loser, { transactionId: 'TX-shared' }), 1)).toBe(false);
      expect(await store.findByTransactionId('TX-unknown')).toBeUndefined();
    });

    it('lists unsettled records oldest first, pages through them, and decides with isSettledPaymentRecord', async () => {
      const base = 1_764_100_000_000;
      const records = STATES.flatMap((state, i) => [
        paymentRecord(`k-state-${state}-a`, { state, createdAt: base + i * 10 }),
        paymentRecord(`k-state-${state}-b`, { state, createdAt: base + i * 10 + 5 }),
      ]);
      for (const r of [...records].reverse()) await store.create(r);
      const expected = records.filter((r) => !isSettledPaymentRecord(r)).map((r) => r.key);
      expect(expected.length).toBeGreaterThan(0);
      expect((await store.listUnsettled(100)).map((r) => r.key)).toEqual(expected);
      expect((await store.listUnsettled(2)).map((r) => r.key)).toEqual(expected.slice(0, 2));
      const second = records.find((r) => r.key === expected[1])!;
      expect((await store.listUnsettled(2, second)).map((r) => r.key)).toEqual(expected.slice(2, 4));
      const last = records.find((r) => r.key === expected[expected.length - 1])!;
      expect(await store.listUnsettled(5, last)).toEqual([]);
      expect(await store.listUnsettled(0)).toEqual([]);
      expect(await store.listUnsettled(100)).toEqual(records.filter((r) => !isSettledPaymentRecord(r)));
    });

    it("lists one customer's unsettled records (listUnsettledOf), oldest first, as they settle", async () => {
      const base = 1_764_120_000_000;
      const records = STATES.flatMap((state, i) => [
        paymentRecord(`k-of-${state}-mine`, { state, customerId: '081200000777', createdAt: base + i * 10 }),
        paymentRecord(`k-of-${state}-other`, { state, customerId: '081200000778', createdAt: base + i * 10 + 5 }),
      ]);
      for (const r of [...records].reverse()) await store.create(r);
      const of = store.listUnsettledOf!.bind(store);
      const mine = records.filter((r) => r.customerId === '081200000777' && !isSettledPaymentRecord(r));
      expect(mine.length).toBeGreaterThan(1);
      expect(await of('081200000777', 100)).toEqual(mine);
      expect(await of('081200000777', 1)).toEqual(mine.slice(0, 1));
      expect(await of('081200000777', 0)).toEqual([]);
      expect(await of('081200000779', 10)).toEqual([]);
      // Settling one takes it out; the other customer's are never there.
      const settled = bump(mine[0]!, { state: 'success', transactionId: 'TX-of-mine' });
      expect(await store.replace(settled, mine[0]!.version)).toBe(true);
      expect((await of('081200000777', 100)).map((r) => r.key)).toEqual(mine.slice(1).map((r) => r.key));
    });

    it('moves a record in and out of the unsettled list as it changes', async () => {
      const v1 = paymentRecord('k-move', { state: 'sending' });
      await store.create(v1);
      expect((await store.listUnsettled(10)).map((r) => r.key)).toEqual(['k-move']);
      const v2 = bump(v1, {
        state: 'failed',
        failure: { reason: 'not_found', code: null, type: 'not_found', httpStatus: 409, message: 'm' },
      });
      expect(await store.replace(v2, 1)).toBe(true);
      expect((await store.listUnsettled(10)).map((r) => r.key)).toEqual(isSettledPaymentRecord(v2) ? [] : ['k-move']);
      const v3 = bump(v2, { state: 'pending', transactionId: 'TX-move', failure: undefined });
      expect(await store.replace(v3, 2)).toBe(true);
      expect(await store.listUnsettled(10)).toEqual([v3].filter((r) => !isSettledPaymentRecord(r)));
      const v4 = bump(v3, { state: 'success' });
      expect(await store.replace(v4, 3)).toBe(true);
      expect(await store.listUnsettled(10)).toEqual([v4].filter((r) => !isSettledPaymentRecord(r)));
    });

    it('lists a record that comes back unsettled in its place by creation, not last', async () => {
      const base = 1_764_150_000_000;
      const old = paymentRecord('k-back-old', { state: 'sending', createdAt: base });
      await store.create(old);
      for (let i = 1; i <= 3; i++) await store.create(paymentRecord(`k-back-${i}`, { state: 'sending', createdAt: base + i }));
      const failed = bump(old, {
        state: 'failed',
        failure: { reason: 'not_sent', code: null, type: 'connection_failed', httpStatus: 503, message: 'm' },
      });
      expect(await store.replace(failed, 1)).toBe(true);
      expect((await store.listUnsettled(10)).map((r) => r.key)).toEqual(['k-back-1', 'k-back-2', 'k-back-3']);
      // Claimed again after it was provably never sent.
      expect(await store.replace(bump(failed, { state: 'sending', failure: undefined }), 2)).toBe(true);
      expect((await store.listUnsettled(10)).map((r) => r.key)).toEqual(['k-back-old', 'k-back-1', 'k-back-2', 'k-back-3']);
      expect((await store.listUnsettled(2, { createdAt: base, key: 'k-back-old' })).map((r) => r.key)).toEqual(['k-back-1', 'k-back-2']);
    });

    it('pages through hundreds of unsettled records without a gap or a repeat', async () => {
      const base = 1_764_200_000_000;
      // Ties on createdAt too: paging must still be stable.
      const records = Array.from({ length: 230 }, (_, i) =>
        paymentRecord(`k-page-${String(i).padStart(3, '0')}`, { state: 'unknown', createdAt: base + Math.floor(i / 3) }),
      );
      await Promise.all(records.map((r) => store.create(r)));
      const seen: string[] = [];
      for (let after: SingapayPaymentRecordCursor | undefined; ;) {
        const page = await store.listUnsettled(50, after);
        seen.push(...page.map((r) => r.key));
        if (page.length < 50) break;
        after = { createdAt: page[49]!.createdAt, key: page[49]!.key };
      }
      expect(seen).toHaveLength(230);
      expect(new Set(seen).size).toBe(230);
      const createdAt = new Map(records.map((r) => [r.key, r.createdAt]));
      for (let i = 1; i < seen.length; i++) expect(createdAt.get(seen[i]!)!).toBeGreaterThanOrEqual(createdAt.get(seen[i - 1]!)!);
    });

    it('resumes a listing from a record: records that settle or come in between two pages shift nothing', async () => {
      const base = 1_764_300_000_000;
      const records = Array.from({ length: 12 }, (_, i) =>
        paymentRecord(`k-shift-${String(i).padStart(2, '0')}`, { state: 'unknown', createdAt: base + Math.floor(i / 2) }),
      );
      for (const r of records) await store.create(r);
      const first = await store.listUnsettled(4);
      expect(first.map((r) => r.key)).toEqual(records.slice(0, 4).map((r) => r.key));
      // Between the pages: two listed records settle, one not yet listed settles, a newer one comes in.
      for (const r of [records[0]!, records[3]!, records[6]!]) {
        expect(await store.replace(bump(r, { state: 'success', transactionId: `TX-${r.key}` }), r.version)).toBe(true);
      }
      const newer = paymentRecord('k-shift-99', { state: 'unknown', createdAt: base + 100 });
      await store.create(newer);
      const last = first[first.length - 1]!;
      const rest = await store.listUnsettled(100, { createdAt: last.createdAt, key: last.key });
      expect(rest.map((r) => r.key)).toEqual([...records.slice(4).filter((_, i) => i !== 2), newer].map((r) => r.key));
    });

    it('keeps namespaces apart: keys, transaction ids and unsettled lists', async () => {
      if (!t.shared) {
        expect(store.withNamespace).toBeUndefined();
        return;
      }
      const a = store.withNamespace!('tenant-a');
      const b = store.withNamespace!('tenant-b');
      const ra = paymentRecord('same-key', { owner: 'a' });
      expect((await a.create(ra)).created).toBe(true);
      expect(await b.get('same-key')).toBeUndefined();
      expect(await store.get('same-key')).toBeUndefined();
      const rb = paymentRecord('same-key', { owner: 'b' });
      expect((await b.create(rb)).created).toBe(true);
      const ra2 = bump(ra, { state: 'success', transactionId: 'TX-ns' });
      const rb2 = bump(rb, { state: 'pending', transactionId: 'TX-ns' });
      expect(await a.replace(ra2, 1)).toBe(true);
      // One Singapay transaction id may appear under two accounts: they are different transactions.
      expect(await b.replace(rb2, 1)).toBe(true);
      expect((await a.findByTransactionId('TX-ns'))?.owner).toBe('a');
      expect((await b.findByTransactionId('TX-ns'))?.owner).toBe('b');
      expect(await store.findByTransactionId('TX-ns')).toBeUndefined();
      const unsettled = (r: SingapayPaymentRecord) => (isSettledPaymentRecord(r) ? [] : [r.owner]);
      expect((await a.listUnsettled(10)).map((r) => r.owner)).toEqual(unsettled(ra2));
      expect((await b.listUnsettled(10)).map((r) => r.owner)).toEqual(unsettled(rb2));
      expect(await store.listUnsettled(10)).toEqual([]);
      expect((await a.get('same-key'))?.owner).toBe('a');
    });

    describeListCreatedBetween(
      () => t,
      () => store,
    );
  });
}
