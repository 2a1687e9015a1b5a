import { connectionStringSecrets, redactConnectionSecrets } from './postgres-connection.js';

describe('redactConnectionSecrets', () => {
  it("masks a password holding an unencoded '@' whole, given or not", () => {
    const url = 'postgres://app:s3cr@tPass@db.internal:5432/payments';
    const message = `connect failed for ${url}`;
    for (const secrets of [connectionStringSecrets(url), []]) {
      const shown = redactConnectionSecrets(message, secrets);
      expect(shown).not.toContain('tPass');
      expect(shown).not.toContain('s3cr');
    }
  });

  it("masks a password given in the pool's settings", () => {
    const secrets = connectionStringSecrets('postgres://app@db/payments', { password: 'pool-Pa55word' });
    expect(redactConnectionSecrets('password authentication failed: pool-Pa55word', secrets)).not.toContain('pool-Pa55word');
  });
});
