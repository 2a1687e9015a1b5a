/**
 * The token's lifetime over every form of `expires_in` the docs allow: a string (every example),
 * a number (other Singapay hosts) or none at all ("treat a missing value conservatively"), with
 * Singapay's clock ahead, level or behind. Whatever the form, a token is reused while it lives and
 * renewed before Singapay stops taking it: no call is ever refused for an expired token.
 */
import { SINGAPAY_GENERAL_PATHS } from '@app/singapay/contract/singapay-api.contract.js';
import { requestsTo } from '../support/adversarial-testing.js';
import { startSkewedPair } from '../support/variant-testing.js';

const LIFETIME_S = 3600;
const SECOND = 1000;
const MINUTE = 60 * SECOND;

const runs = (['string', 'number', 'missing'] as const).flatMap((expiresIn) =>
  [-5, 0, 5].map((skewMinutes) => [expiresIn, skewMinutes] as const),
);

describe.each(runs)('expires_in %s, Singapay %i min ahead', (expiresIn, skewMinutes) => {
  it('reuses a token while it lives and renews it before Singapay refuses it', async () => {
    const pair = await startSkewedPair({ expiresIn }, skewMinutes * MINUTE, {}, { tokenLifetimeSeconds: LIFETIME_S });
    const { sim, ctx, clock } = pair;
    const balanceRequests = () => requestsTo(sim, SINGAPAY_GENERAL_PATHS.checkBalance);
    try {
      // Each call reaches Singapay once: a second request would be a retry after a refused token.
      const call = async () => {
        const before = balanceRequests();
        await ctx.service.checkBalance();
        expect(balanceRequests() - before).toBe(1);
      };
      await call();
      await call();
      expect(sim.stats().tokensIssued).toBe(1);

      // Well inside the lifetime: a stated lifetime is used in full; without one, the module may renew sooner.
      let elapsed = 0;
      const at = (ms: number) => {
        clock.advance(ms - elapsed);
        elapsed = ms;
      };
      at(4 * MINUTE);
      await call();
      if (expiresIn !== 'missing') expect(sim.stats().tokensIssued).toBe(1);

      // Up to the second the first token dies on Singapay's clock, and past it: never sent dead.
      for (const ms of [-2 * MINUTE, -SECOND, SECOND, 4 * MINUTE, 6 * MINUTE]) {
        at(LIFETIME_S * SECOND + ms);
        await call();
      }
      expect(sim.stats().tokensIssued).toBeGreaterThanOrEqual(2);
    } finally {
      await pair.close();
    }
  });
});
