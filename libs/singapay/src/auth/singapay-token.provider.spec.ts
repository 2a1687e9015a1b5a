import { resolveSingapayOptions } from '../config/singapay-options.validation.js';
import { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import type { SingapayAccessToken, SingapayAuthService } from './singapay-auth.service.js';
import { SingapayInMemoryTokenStore } from './singapay-in-memory-token.store.js';
import { describeTokenFailure, SingapayTokenProvider } from './singapay-token.provider.js';

const options = resolveSingapayOptions({
  apiKey: 'key',
  clientId: 'client',
  clientSecret: 'secret-value',
  password: 'pay-password',
  baseUrl: 'http://127.0.0.1:1',
});

/** A token endpoint under the test's control: each request waits until the test answers it. */
class ScriptedAuth {
  requests: { resolve: (t: SingapayAccessToken) => void; reject: (e: Error) => void }[] = [];
  requestAccessToken(): Promise<SingapayAccessToken> {
    return new Promise((resolve, reject) => this.requests.push({ resolve, reject }));
  }
  grant(index: number, accessToken: string, expiresIn = 3600): void {
    this.requests[index]!.resolve({ accessToken, tokenType: 'Bearer', expiresIn });
  }
}

function setup() {
  let now = 1_000_000;
  const auth = new ScriptedAuth();
  const store = new SingapayInMemoryTokenStore(() => now);
  const provider = new SingapayTokenProvider(
    auth as unknown as SingapayAuthService,
    store,
    options,
    () => now,
    new SingapayErrorFactory(options),
  );
  const flush = () => new Promise((r) => setImmediate(r));
  /** The first token, granted to the first caller. */
  const firstToken = async (accessToken = 'tok-1', expiresIn = 3600) => {
    const first = provider.getAccessToken();
    await flush();
    auth.grant(0, accessToken, expiresIn);
    await first;
  };
  return { auth, store, provider, flush, firstToken, advance: (ms: number) => (now += ms) };
}

describe('SingapayTokenProvider', () => {
  it('makes one token request for a burst of concurrent callers', async () => {
    const { auth, provider, flush } = setup();
    const callers = Array.from({ length: 200 }, () => provider.getAccessToken());
    await flush();
    expect(auth.requests).toHaveLength(1);
    auth.grant(0, 'tok-1');
    const tokens = await Promise.all(callers);
    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    expect(await provider.getAccessToken()).toBe('tok-1');
    expect(auth.requests).toHaveLength(1);
  });

  it('renews in the background once due, serving the old token meanwhile', async () => {
    const { auth, provider, flush, advance, firstToken } = setup();
    await firstToken();
    // Due for renewal 60 s (the buffer) before expiry: callers still get tok-1 at once.
    advance(3600_000 - 59_000);
    expect(await provider.getAccessToken()).toBe('tok-1');
    expect(await provider.getAccessToken()).toBe('tok-1');
    await flush();
    expect(auth.requests).toHaveLength(2);
    auth.grant(1, 'tok-2', 3600);
    await flush();
    expect(await provider.getAccessToken()).toBe('tok-2');
    expect(auth.requests).toHaveLength(2);
  });

  it('tries a failed background renewal again on a doubling pause, not on every call', async () => {
    const { auth, provider, flush, advance, firstToken } = setup();
    await firstToken();
    advance(3600_000 - 59_000);
    const refuseLast = async () => {
      auth.requests.at(-1)!.reject(new Error('refused'));
      await flush();
    };
    expect(await provider.getAccessToken()).toBe('tok-1');
    await flush();
    expect(auth.requests).toHaveLength(2);
    await refuseLast();
    // Calls within the pause are served the valid token, with no request.
    for (let i = 0; i < 20; i++) expect(await provider.getAccessToken()).toBe('tok-1');
    await flush();
    expect(auth.requests).toHaveLength(2);
    advance(1_000);
    await provider.getAccessToken();
    await flush();
    expect(auth.requests).toHaveLength(3);
    await refuseLast();
    advance(1_000);
    await provider.getAccessToken();
    await flush();
    expect(auth.requests).toHaveLength(3); // the pause doubled to 2 s
    advance(1_000);
    await provider.getAccessToken();
    await flush();
    expect(auth.requests).toHaveLength(4);
    auth.grant(3, 'tok-2', 3600);
    await flush();
    expect(await provider.getAccessToken()).toBe('tok-2');
  });

  it('waits for a new token when the cached one is about to expire', async () => {
    const { auth, provider, flush, advance, firstToken } = setup();
    await firstToken();
    advance(3600_000 - 1_000);
    const pending = provider.getAccessToken();
    await flush();
    expect(auth.requests).toHaveLength(2);
    auth.grant(1, 'tok-2');
    expect(await pending).toBe('tok-2');
  });

  it('uses a tenth of a short lifetime as the renewal buffer', async () => {
    const { auth, provider, flush, advance, firstToken } = setup();
    await firstToken('short', 2);
    advance(1_700);
    expect(await provider.getAccessToken()).toBe('short');
    await flush();
    expect(auth.requests).toHaveLength(1);
    advance(150); // 1.85 s: past renewAt (1.8 s), before the usable limit (1.9 s)
    expect(await provider.getAccessToken()).toBe('short');
    await flush();
    expect(auth.requests).toHaveLength(2);
  });

  it('invalidate() drops the token only while it is still the current one', async () => {
    const { auth, provider, flush, firstToken } = setup();
    await firstToken();
    await provider.invalidate('tok-1');
    const second = provider.getAccessToken();
    await flush();
    auth.grant(1, 'tok-2');
    expect(await second).toBe('tok-2');
    // A late refusal of the old token must not drop the new one.
    await provider.invalidate('tok-1');
    expect(await provider.getAccessToken()).toBe('tok-2');
    expect(auth.requests).toHaveLength(2);
  });

  it('never serves a refused token again, even when the store failed to delete it', async () => {
    const { auth, store, provider, flush, firstToken } = setup();
    await firstToken();
    // One failure of the store's delete (a Redis blip): the store still holds the refused token.
    const remove = store.delete.bind(store);
    store.delete = () => {
      store.delete = remove;
      return Promise.reject(new Error('ECONNRESET'));
    };
    await provider.invalidate('tok-1');
    const second = provider.getAccessToken();
    await flush();
    auth.grant(1, 'tok-2');
    expect(await second).toBe('tok-2');
  });

  it('never caches a failure: every waiting caller sees it, the next call tries again', async () => {
    const { auth, provider, flush } = setup();
    const callers = [provider.getAccessToken(), provider.getAccessToken()];
    await flush();
    auth.requests[0]!.reject(new Error('refused'));
    for (const c of callers) await expect(c).rejects.toThrow('refused');
    const retry = provider.getAccessToken();
    await flush();
    expect(auth.requests).toHaveLength(2);
    auth.grant(1, 'tok-after-failure');
    expect(await retry).toBe('tok-after-failure');
  });

  it('carries on with its own token when the store hangs instead of failing (a connection dropped silently)', async () => {
    const never = () => new Promise<never>(() => undefined);
    let reads = 0;
    const hanging = { get: () => (reads++, never()), set: never, delete: never, acquireLock: never, releaseLock: never };
    const auth = new ScriptedAuth();
    let now = 1_000_000;
    const provider = new SingapayTokenProvider(
      auth as unknown as SingapayAuthService,
      hanging,
      options,
      () => now,
      new SingapayErrorFactory(options),
    );
    const first = provider.getAccessToken();
    // The read and the lock go unanswered: after their wait, the token is requested without them.
    await vi.waitFor(() => expect(auth.requests).toHaveLength(1), { timeout: 5_000 });
    auth.grant(0, 'tok-1');
    expect(await first).toBe('tok-1');
    // Left alone for a few seconds once it failed: the next calls do not wait on it again.
    expect(await provider.getAccessToken()).toBe('tok-1');
    expect(reads).toBe(1);
    now += 60_000;
    // The store still says nothing: the token this process holds is served, no new request made.
    expect(await provider.getAccessToken()).toBe('tok-1');
    expect(auth.requests).toHaveLength(1);
  }, 15_000);

  it('answers a refusal of the credentials again without a token request until its pause ends, 1 s doubling', async () => {
    const { auth, provider, flush, advance } = setup();
    const refused = new SingapayErrorFactory(options).fromCode({
      code: '16',
      operation: 'accessToken',
      upstreamStatus: 401,
      cause: 'client_credentials_refused',
    });
    const first = provider.getAccessToken();
    await flush();
    auth.requests[0]!.reject(refused);
    await expect(first).rejects.toBe(refused);
    const burst = await Promise.allSettled(Array.from({ length: 20 }, () => provider.getAccessToken()));
    expect(burst.every((r) => r.status === 'rejected' && r.reason === refused)).toBe(true);
    expect(auth.requests).toHaveLength(1);
    advance(1_000);
    const second = provider.getAccessToken();
    await flush();
    expect(auth.requests).toHaveLength(2);
    auth.requests[1]!.reject(refused);
    await expect(second).rejects.toBe(refused);
    // Refused again: two seconds this time.
    advance(1_500);
    await expect(provider.getAccessToken()).rejects.toBe(refused);
    expect(auth.requests).toHaveLength(2);
    advance(500);
    const third = provider.getAccessToken();
    await flush();
    auth.grant(2, 'tok-1');
    expect(await third).toBe('tok-1');
  });

  it('lets go at once of a lock the store took only after the wait, so the other replicas do not wait out its lease', async () => {
    const released: string[] = [];
    const slow = new SingapayInMemoryTokenStore();
    const store = Object.assign(slow, {
      acquireLock: () => new Promise<string>((resolve) => setTimeout(() => resolve('late-lock'), 1_200)),
      releaseLock: async (_key: string, id: string) => void released.push(id),
    });
    const auth = new ScriptedAuth();
    const provider = new SingapayTokenProvider(
      auth as unknown as SingapayAuthService,
      store,
      options,
      Date.now,
      new SingapayErrorFactory(options),
    );
    const first = provider.getAccessToken();
    await vi.waitFor(() => expect(auth.requests).toHaveLength(1), { timeout: 5_000 });
    auth.grant(0, 'tok-1');
    expect(await first).toBe('tok-1');
    await vi.waitFor(() => expect(released).toEqual(['late-lock']), { timeout: 5_000 });
  }, 15_000);

  it('keys the cache by host and a hash of the client id, never the id itself', () => {
    const { provider } = setup();
    expect(provider.cacheKey).toMatch(/^singapay:token:default:127\.0\.0\.1:1:[0-9a-f]{16}$/);
    expect(provider.cacheKey).not.toContain('client');
  });
});

describe('describeTokenFailure (the warning logged when a token request fails)', () => {
  const errors = new SingapayErrorFactory(options);

  it("names Singapay's own HTTP status, not the 502 the exception carries", () => {
    const refused = errors.fromCode({ code: '16', operation: 'accessToken', upstreamStatus: 401, message: 'refused' });
    expect(refused.getStatus()).toBe(502);
    const line = describeTokenFailure(refused);
    expect(line).toContain('Singapay answered HTTP 401');
    expect(line).toContain('code 16');
    expect(line).toMatch(/raised as HTTP 502\)$/);
    expect(line).not.toMatch(/\(HTTP 502\)/);
  });

  it('says when no answer came at all', () => {
    const unreachable = errors.other({
      code: null,
      type: 'connection_failed',
      httpStatus: 503,
      message: 'down',
      operation: 'accessToken',
      delivery: 'not_sent',
    });
    expect(describeTokenFailure(unreachable)).toBe('connection_failed (no answer from Singapay; raised as HTTP 503)');
  });
});
