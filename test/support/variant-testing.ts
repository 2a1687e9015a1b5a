import {
  SINGAPAY_SIMULATOR_DOCUMENTED_VARIANTS,
  SingapaySimulator,
  type SingapaySimulatorOptions,
  type SingapaySimulatorTimeZone,
  type SingapaySimulatorVariants,
} from '@app/singapay-simulator';
import type { SingapayModuleOptions } from '@app/singapay';
import { createSingapayWithClock, ManualClock, registerSimulatorSecrets } from './adversarial-testing.js';
import type { SingapayTestContext } from './singapay-testing.js';

type Zones = Required<NonNullable<SingapaySimulatorVariants['zones']>>;

const BOTH: SingapaySimulatorTimeZone[] = ['UTC', 'WIB'];

/** Every way the four zone-less timestamps could be printed: 16 combinations, the documented one first. */
export const ZONE_COMBINATIONS: readonly Zones[] = [
  { ...SINGAPAY_SIMULATOR_DOCUMENTED_VARIANTS.zones },
  ...BOTH.flatMap((rowCreatedAt) =>
    BOTH.flatMap((rowPaidAt) =>
      BOTH.flatMap((rowInquiredAt) => BOTH.map((answerCreatedAt): Zones => ({ rowCreatedAt, rowPaidAt, rowInquiredAt, answerCreatedAt }))),
    ),
  ).filter((z) => JSON.stringify(z) !== JSON.stringify(SINGAPAY_SIMULATOR_DOCUMENTED_VARIANTS.zones)),
];

export const TOKEN_PLACES = ['data', 'otherInfo', 'otherInfoPairs'] as const;
export const EMPTY_LISTS = ['emptyArray', 'noData', 'notFound'] as const;

/** A simulator and a module whose clocks differ by `skewMs` (Singapay's minus ours), the module's moved by hand. */
export interface SkewedPair {
  sim: SingapaySimulator;
  ctx: SingapayTestContext;
  clock: ManualClock;
  close(): Promise<void>;
}

export async function startSkewedPair(
  variants: SingapaySimulatorVariants,
  skewMs: number,
  moduleOptions: Partial<SingapayModuleOptions> = {},
  simOptions: Omit<SingapaySimulatorOptions, 'now' | 'variants'> = {},
): Promise<SkewedPair> {
  const clock = new ManualClock();
  const sim = await SingapaySimulator.start({ settleDelayMs: 600_000, ...simOptions, variants, now: () => clock.now() + skewMs });
  registerSimulatorSecrets(sim);
  const ctx = await createSingapayWithClock(
    {
      baseUrl: sim.baseUrl,
      ...sim.credentials,
      retry: { baseDelayMs: 5 },
      timeoutMs: 1_000,
      paymentNotFoundAfterMs: 1_000,
      ...moduleOptions,
    },
    clock,
  );
  return {
    sim,
    ctx,
    clock,
    async close() {
      await ctx.close();
      await sim.stop();
    },
  };
}
