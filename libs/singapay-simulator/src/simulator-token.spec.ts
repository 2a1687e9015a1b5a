import { SingapaySimulatorTokens } from './simulator-token.js';

describe('SingapaySimulatorTokens', () => {
  const start = Date.UTC(2025, 5, 10, 9, 36, 49);

  it('issues an HS256 JWT whose claims carry the lifetime', () => {
    const tokens = new SingapaySimulatorTokens(3600, () => start, 'client');
    const { accessToken, expiresInSeconds } = tokens.issue();
    const [header, payload] = accessToken
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    expect(header).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(accessToken.startsWith('eyJ0eXAiOiJKV1Qi')).toBe(true);
    expect(payload.exp - payload.iat).toBe(3600);
    expect(payload.iat).toBe(start / 1000);
    expect(payload.sub).toBe('client');
    expect(expiresInSeconds).toBe(3600);
    expect(tokens.verify(accessToken)).toBe(true);
  });

  it('refuses an expired, tampered, foreign or revoked token', () => {
    let now = start;
    const tokens = new SingapaySimulatorTokens(60, () => now, 'client');
    const token = tokens.issue().accessToken;
    now += 59_999;
    expect(tokens.verify(token)).toBe(true);
    now += 1;
    expect(tokens.verify(token)).toBe(false);

    now = start;
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ exp: start / 1000 + 10_000 })).toString('base64url');
    expect(tokens.verify(`${h}.${forged}.${s}`)).toBe(false);
    expect(tokens.verify(`${h}.${p}`)).toBe(false);
    expect(tokens.verify(new SingapaySimulatorTokens(60, () => now, 'client').issue().accessToken)).toBe(false);

    tokens.revokeAll();
    expect(tokens.verify(token)).toBe(false);
    expect(tokens.verify(tokens.issue().accessToken)).toBe(true);
  });
});
