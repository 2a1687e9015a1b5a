import { Test, type TestingModule } from '@nestjs/testing';
import { SINGAPAY_CLOCK, SingapayModule, SingapayService, type SingapayModuleOptions } from '@app/singapay';
import { SingapayTokenProvider } from '@app/singapay/auth/singapay-token.provider.js';
import { SingapayRecoveryPolicy } from '@app/singapay/payments/recovery/singapay-recovery.policy.js';
import { SINGAPAY_RESOLVED_OPTIONS } from '@app/singapay/singapay.constants.js';
import { capturingLogger, registerSecret } from './log-capture.js';

export const TEST_CREDENTIALS = {
  apiKey: 'test-api-key-0001',
  clientId: 'test-client-id',
  clientSecret: 'test-client-secret-s3cr3t',
  password: 'test-payment-password-p4ss',
} as const;
registerSecret(TEST_CREDENTIALS.clientSecret, TEST_CREDENTIALS.password);

export interface SingapayTestContext {
  moduleRef: TestingModule;
  service: SingapayService;
  tokens: SingapayTokenProvider;
  close(): Promise<void>;
}

/**
 * Compiles `SingapayModule.forRoot()` pointed at `baseUrl`, as a user's app would.
 * `now` replaces only the module's clock (`SINGAPAY_CLOCK`), to let time pass without waiting.
 */
export async function createSingapay(
  options: Partial<SingapayModuleOptions> & { baseUrl: string },
  { now, integrityCheckMs }: { now?: () => number; integrityCheckMs?: number } = {},
): Promise<SingapayTestContext> {
  const builder = Test.createTestingModule({
    // Debug lines on, so that every line a call can log passes the secret check of every test.
    imports: [SingapayModule.forRoot({ ...TEST_CREDENTIALS, debugLogs: true, ...options })],
  }).setLogger(capturingLogger); // compile() would otherwise swap the capturing logger for Nest's TestingLogger
  if (now) builder.overrideProvider(SINGAPAY_CLOCK).useValue(now);
  // How often the process checks a ledger that can lose records by itself: a setting of the recovery, not an option.
  if (integrityCheckMs !== undefined) {
    builder.overrideProvider(SingapayRecoveryPolicy).useFactory({
      factory: (resolved: ConstructorParameters<typeof SingapayRecoveryPolicy>[0]) => {
        const policy = new SingapayRecoveryPolicy(resolved);
        Object.assign(policy.options, { integrityCheckMs });
        return policy;
      },
      inject: [SINGAPAY_RESOLVED_OPTIONS],
    });
  }
  const moduleRef = await builder.compile();
  await moduleRef.init();
  return {
    moduleRef,
    service: moduleRef.get(SingapayService),
    tokens: moduleRef.get(SingapayTokenProvider),
    close: () => moduleRef.close(),
  };
}
