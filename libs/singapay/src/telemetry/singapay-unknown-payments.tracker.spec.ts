import { SingapayUnknownPayments } from './singapay-unknown-payments.tracker.js';

describe('SingapayUnknownPayments (the singapay.payments.unknown gauge)', () => {
  it('counts a key from when it is seen unknown until it is seen in another state', () => {
    const unknown = new SingapayUnknownPayments();
    unknown.seen({ key: 'a', state: 'sending' });
    expect(unknown.size).toBe(0);
    unknown.seen({ key: 'a', state: 'unknown' });
    unknown.seen({ key: 'a', state: 'unknown' });
    unknown.seen({ key: 'b', state: 'unknown' });
    expect(unknown.size).toBe(2);
    unknown.seen({ key: 'a', state: 'pending' });
    unknown.seen(undefined);
    expect(unknown.size).toBe(1);
  });

  it('forgets keys a complete listing no longer holds, but not those seen while it ran', () => {
    const unknown = new SingapayUnknownPayments();
    unknown.seen({ key: 'settled-elsewhere', state: 'unknown' });
    unknown.seen({ key: 'still-unknown', state: 'unknown' });
    const mark = unknown.mark();
    unknown.seen({ key: 'sent-meanwhile', state: 'unknown' });
    unknown.listed(
      [
        { key: 'still-unknown', state: 'unknown' },
        { key: 'pending-one', state: 'pending' },
      ],
      mark,
    );
    expect(unknown.size).toBe(2);
    unknown.listed([], unknown.mark());
    expect(unknown.size).toBe(0);
  });

  it('stays bounded', () => {
    const unknown = new SingapayUnknownPayments(3);
    for (let i = 0; i < 10; i++) unknown.seen({ key: `k${i}`, state: 'unknown' });
    expect(unknown.size).toBe(3);
    unknown.seen({ key: 'k0', state: 'unknown' });
    expect(unknown.size).toBe(3);
  });
});
