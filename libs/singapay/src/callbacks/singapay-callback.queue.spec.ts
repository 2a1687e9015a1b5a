import { SingapayCallbackQueue, type SingapayCallbackQueueLimits } from './singapay-callback.queue.js';

const LIMITS: SingapayCallbackQueueLimits = {
  capacity: 4,
  reservedForKnown: 2,
  concurrency: 1,
  attempts: 3,
  retryDelayMs: 1,
  waitingPerId: 3,
};

/** A queue whose work waits until released, recording the order it ran in. */
function gatedQueue(limits = LIMITS, fail: (id: string, attempt: number) => boolean = () => false) {
  const ran: string[] = [];
  const gates: (() => void)[] = [];
  const given: string[] = [];
  const attempts = new Map<string, number>();
  const queue = new SingapayCallbackQueue(
    limits,
    async (id) => {
      ran.push(id);
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      await new Promise<void>((resolve) => gates.push(resolve));
      if (fail(id, n)) throw new Error('lookup failed');
    },
    (id) => given.push(id),
  );
  const release = async () => {
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
    gates.shift()!();
    await new Promise((r) => setTimeout(r, 5));
  };
  return { queue, ran, release, given, attempts };
}

describe('SingapayCallbackQueue', () => {
  it('takes each id once while it is queued or running', () => {
    const { queue } = gatedQueue();
    expect(queue.offer('A', true)).toBe('queued');
    expect(queue.offer('A', true)).toBe('duplicate');
    expect(queue.offer('A', false)).toBe('duplicate');
    expect(queue.size).toBe(1);
  });

  it('keeps room for known ids that unknown ones cannot take, and refuses the rest (so the sender retries)', () => {
    const { queue } = gatedQueue();
    expect(queue.offer('forged-1', false)).toBe('queued');
    expect(queue.offer('forged-2', false)).toBe('queued');
    expect(queue.offer('forged-3', false)).toBe('full');
    expect(queue.offer('ours-1', true)).toBe('queued');
    expect(queue.offer('ours-2', true)).toBe('queued');
    expect(queue.offer('ours-3', true)).toBe('full');
  });

  it('runs known ids before unknown ones', async () => {
    const { queue, ran, release } = gatedQueue({ ...LIMITS, capacity: 10, reservedForKnown: 2 });
    queue.offer('forged-1', false);
    queue.offer('forged-2', false);
    queue.offer('ours-1', true);
    for (let i = 0; i < 3; i++) await release();
    await queue.drain();
    expect(ran).toEqual(['forged-1', 'ours-1', 'forged-2']);
  });

  it('tries a failing lookup again, then gives up and frees the room', async () => {
    const { queue, release, given, attempts } = gatedQueue(LIMITS, () => true);
    queue.offer('A', true);
    for (let i = 0; i < 3; i++) await release();
    await queue.drain();
    expect(attempts.get('A')).toBe(3);
    expect(given).toEqual(['A']);
    expect(queue.size).toBe(0);
    expect(queue.offer('A', true)).toBe('queued');
  });

  it('answers an offer made while its id runs with an attempt begun after it, not the one under way', async () => {
    const { queue, release, attempts } = gatedQueue();
    queue.offer('A', true);
    const first = queue.attempt('A');
    expect(queue.offer('A', true)).toBe('duplicate');
    let second: boolean | undefined;
    void queue.attempt('A').then((done) => (second = done));
    await release();
    expect([await first, second, attempts.get('A')]).toEqual([true, undefined, 2]);
    await release();
    await queue.drain();
    expect([second, attempts.get('A'), queue.size]).toEqual([true, 2, 0]);
  });

  it('holds at most waitingPerId callers on one id: the next is told "not yet" at once, and the id is still confirmed', async () => {
    const { queue, release, attempts } = gatedQueue();
    queue.offer('A', true);
    const held = [queue.attempt('A'), queue.attempt('A'), queue.attempt('A')];
    const heldOpen = new Promise((resolve) => setTimeout(() => resolve('held open'), 20));
    expect(await Promise.race([queue.attempt('A'), heldOpen])).toBe(false);
    await release();
    expect(await Promise.all(held)).toEqual([true, true, true]);
    await queue.drain();
    expect([attempts.get('A'), queue.size]).toEqual([1, 0]);
  });

  it('promotes an id learned to be ours while it waits', () => {
    const { queue } = gatedQueue({ ...LIMITS, capacity: 3, reservedForKnown: 1 });
    queue.offer('running', false);
    queue.offer('waiting', false);
    expect(queue.offer('third', false)).toBe('full');
    expect(queue.offer('waiting', true)).toBe('duplicate');
    // "waiting" left the unknown share, which has room again.
    expect(queue.offer('third', false)).toBe('queued');
  });

  it('drops what waits when stopped', async () => {
    const { queue } = gatedQueue();
    queue.offer('A', true);
    queue.offer('B', true);
    queue.stop();
    await queue.drain();
    expect(queue.offer('C', true)).toBe('full');
  });
});
