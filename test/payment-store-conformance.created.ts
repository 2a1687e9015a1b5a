// The contract of the optional SingapayPaymentStore.listCreatedBetween (the daily
// reconciliation reads a store with it), part of test/payment-store-conformance.ts.
import type { SingapayPaymentState } from '@app/singapay';
import type { SingapayPaymentRecord, SingapayPaymentStore } from '@app/singapay/stores/index.js';
import { bump, paymentRecord, type ConformanceTarget } from './payment-store-conformance.js';

const DAY = 86_400_000;
const STATES: SingapayPaymentState[] = ['sending', 'pending', 'unknown', 'success', 'failed', 'refunded'];

/** The order the contract names: createdAt, then the key's UTF-8 bytes. Written here, not imported: stores pass by behaving. */
const byCreation = (a: SingapayPaymentRecord, b: SingapayPaymentRecord) =>
  a.createdAt - b.createdAt || Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));

/** Every record of the window, read `size` at a time, each page resuming after the last record of the one before. */
async function readAll(store: SingapayPaymentStore, from: number, to: number, size: number): Promise<SingapayPaymentRecord[]> {
  const all: SingapayPaymentRecord[] = [];
  for (;;) {
    const last = all[all.length - 1];
    const page = await store.listCreatedBetween!(from, to, size, last && { createdAt: last.createdAt, key: last.key });
    expect(page.length).toBeLessThanOrEqual(size);
    all.push(...page);
    if (page.length < size) return all;
  }
}

export function describeListCreatedBetween(target: () => ConformanceTarget, current: () => SingapayPaymentStore): void {
  describe('listCreatedBetween (records of a day, for the daily reconciliation)', () => {
    let store: SingapayPaymentStore;
    beforeEach((ctx) => {
      store = current();
      if (target().listsByCreation === false) {
        expect(store.listCreatedBetween).toBeUndefined();
        ctx.skip();
      }
      expect(typeof store.listCreatedBetween).toBe('function');
    });

    it('lists the records created in [from, to) oldest first, whatever their state, across UTC days', async () => {
      // A window of three days that starts just before a UTC midnight (a WIB day starts at 17:00 UTC).
      const from = Math.floor(1_765_000_000_000 / DAY) * DAY + DAY - 7 * 3600_000;
      const to = from + 3 * DAY;
      const inside = [from, from + 1, from + 7 * 3600_000 - 1, from + 7 * 3600_000, from + DAY + 12_345, to - 1].flatMap((at, i) =>
        STATES.slice(i % 3, (i % 3) + 2).map((state) => paymentRecord(`k-in-${i}-${state}`, { state, createdAt: at, updatedAt: at })),
      );
      const outside = [from - 1, to, to + DAY, from - DAY].map((at, i) => paymentRecord(`k-out-${i}`, { createdAt: at, updatedAt: at }));
      for (const r of [...inside, ...outside].reverse()) await store.create(r);
      const expected = [...inside].sort(byCreation);
      expect(await store.listCreatedBetween!(from, to, 100)).toEqual(expected);
      expect(await store.listCreatedBetween!(from, to, 3)).toEqual(expected.slice(0, 3));
      expect(await store.listCreatedBetween!(from, to, 0)).toEqual([]);
      expect(await store.listCreatedBetween!(to, from, 10)).toEqual([]);
      expect(await store.listCreatedBetween!(from, from, 10)).toEqual([]);
      // Resuming after a record outside the window starts at the window.
      expect(await store.listCreatedBetween!(from, to, 100, { createdAt: from - DAY, key: 'zzz' })).toEqual(expected);
      expect(await store.listCreatedBetween!(from, to, 100, { createdAt: to, key: '' })).toEqual([]);
      // Copies, as everywhere.
      const [first] = await store.listCreatedBetween!(from, to, 1);
      first!.state = 'refunded';
      expect((await store.get(first!.key))?.state).toBe(expected[0]!.state);
    });

    it('pages from a record, with ties on createdAt in the byte order of the keys, without a gap or a repeat', async () => {
      const from = 1_765_300_000_000;
      const to = from + 3 * DAY;
      // '\uff5e' sorts before '😀' by UTF-8 bytes but after it by JavaScript's UTF-16 comparison.
      const tails = ['a', 'B', 'é', '😀', '\uff5e', '~', '\u00ff', 'ab'];
      const records = Array.from({ length: 240 }, (_, i) => {
        const at = from + Math.floor(i / 4) * Math.floor((3 * DAY) / 60);
        return paymentRecord(`k-tie-${tails[i % tails.length]}-${String(i).padStart(3, '0')}`, {
          state: STATES[i % STATES.length],
          createdAt: at,
          updatedAt: at,
        });
      });
      await Promise.all(records.map((r) => store.create(r)));
      const expected = [...records].sort(byCreation);
      expect((await readAll(store, from, to, 50)).map((r) => r.key)).toEqual(expected.map((r) => r.key));
      expect((await readAll(store, from, to, 7)).map((r) => r.key)).toEqual(expected.map((r) => r.key));

      // Records created between two pages: one before the cursor is not read (and shifts nothing), one after it is.
      const firstPage = await store.listCreatedBetween!(from, to, 60);
      const cursor = firstPage[firstPage.length - 1]!;
      const before = paymentRecord('k-late-before', { createdAt: from + 1, updatedAt: from + 1 });
      const after = paymentRecord('k-late-after', { createdAt: to - 1, updatedAt: to - 1 });
      await store.create(before);
      await store.create(after);
      const rest: SingapayPaymentRecord[] = [];
      for (let last: SingapayPaymentRecord = cursor; ;) {
        const page = await store.listCreatedBetween!(from, to, 60, { createdAt: last.createdAt, key: last.key });
        rest.push(...page);
        if (page.length < 60) break;
        last = page[page.length - 1]!;
      }
      expect([...firstPage, ...rest].map((r) => r.key)).toEqual([...expected, after].sort(byCreation).map((r) => r.key));
    });

    it('keeps a record in its place, once, at its latest version, as it changes', async () => {
      const at = 1_765_600_000_000;
      const v1 = paymentRecord('k-changes', { state: 'sending', createdAt: at, updatedAt: at });
      const other = paymentRecord('k-changes-other', { state: 'unknown', createdAt: at + 1, updatedAt: at + 1 });
      await store.create(v1);
      await store.create(other);
      const v2 = bump(v1, { state: 'pending', transactionId: 'TX-changes' });
      const v3 = bump(v2, { state: 'success', settledAt: at + 5 });
      expect(await store.replace(v2, 1)).toBe(true);
      expect(await store.replace(v3, 2)).toBe(true);
      expect(await store.listCreatedBetween!(at, at + DAY, 10)).toEqual([v3, other]);
    });

    it('keeps namespaces apart', async () => {
      if (!target().shared) return;
      const at = 1_765_900_000_000;
      const a = store.withNamespace!('created-a');
      const b = store.withNamespace!('created-b');
      await a.create(paymentRecord('same-key', { owner: 'a', createdAt: at, updatedAt: at }));
      await b.create(paymentRecord('same-key', { owner: 'b', createdAt: at, updatedAt: at }));
      await b.create(paymentRecord('only-b', { createdAt: at + 1, updatedAt: at + 1 }));
      expect((await a.listCreatedBetween!(at, at + 10, 10)).map((r) => r.owner)).toEqual(['a']);
      expect((await b.listCreatedBetween!(at, at + 10, 10)).map((r) => r.key)).toEqual(['same-key', 'only-b']);
      expect(await store.listCreatedBetween!(at, at + 10, 10)).toEqual([]);
    });
  });
}
