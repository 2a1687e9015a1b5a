import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

const HEADER = base64Url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));

function base64Url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

export interface SimulatorIssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

/**
 * Issues and checks the HS256 JWTs of the token endpoint. The signing key is
 * random per simulator; revoking every token is swapping the key, which is
 * what a server-side key rotation looks like to a client.
 */
export class SingapaySimulatorTokens {
  #key = randomBytes(32);

  constructor(
    private readonly lifetimeSeconds: number,
    private readonly now: () => number,
    private readonly subject: string,
  ) {}

  issue(): SimulatorIssuedToken {
    const issuedAt = Math.floor(this.now() / 1000);
    const payload = base64Url(
      JSON.stringify({
        iss: 'singapay-simulator',
        sub: this.subject,
        iat: issuedAt,
        exp: issuedAt + this.lifetimeSeconds,
        jti: randomUUID(),
      }),
    );
    return { accessToken: `${HEADER}.${payload}.${this.sign(`${HEADER}.${payload}`)}`, expiresInSeconds: this.lifetimeSeconds };
  }

  /** Whether the token was signed by the current key and has not expired on the simulator's clock. */
  verify(token: string): boolean {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return false;
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
    try {
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
      return typeof claims.exp === 'number' && claims.exp * 1000 > this.now();
    } catch {
      return false;
    }
  }

  revokeAll(): void {
    this.#key = randomBytes(32);
  }

  private sign(input: string): string {
    return createHmac('sha256', this.#key).update(input).digest('base64url');
  }
}
