import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  InjectSingapay,
  getSingapayToken,
  SingapayConfigurationError,
  SingapayModule,
  SingapayService,
  singapayConfig,
  type SingapayModuleOptions,
  type SingapayOptionsFactory,
} from '@app/singapay';
import { SingapayInMemoryPaymentStore } from '@app/singapay/stores/index.js';
import { json, ScriptedServer, tokenAnswer } from '../support/scripted-server.js';
import { TEST_CREDENTIALS } from '../support/singapay-testing.js';
import { capturedLogLines, capturingLogger } from '../support/log-capture.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await ScriptedServer.start();
  server.handle((req, res) =>
    req.path.includes('access-token')
      ? tokenAnswer(res)
      : json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: '250000.00', currency: 'IDR' } }),
  );
});
afterAll(() => server.stop());

const options = (): SingapayModuleOptions => ({ ...TEST_CREDENTIALS, baseUrl: server.baseUrl });

@Injectable()
class SingapayOptionsService implements SingapayOptionsFactory {
  createSingapayOptions(): SingapayModuleOptions {
    return options();
  }
}

@Module({ providers: [SingapayOptionsService], exports: [SingapayOptionsService] })
class OptionsModule {}

/** A feature module that injects SingapayService without importing SingapayModule itself. */
@Injectable()
class BillingService {
  constructor(readonly singapay: SingapayService) {}
}
@Module({ providers: [BillingService], exports: [BillingService] })
class BillingModule {}

const SINGAPAY_ENV = {
  SINGAPAY_BASE_URL: '',
  SINGAPAY_API_KEY: TEST_CREDENTIALS.apiKey,
  SINGAPAY_CLIENT_ID: TEST_CREDENTIALS.clientId,
  SINGAPAY_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret,
  SINGAPAY_PASSWORD: TEST_CREDENTIALS.password,
};

const registrations: [string, () => ReturnType<typeof SingapayModule.forRoot>][] = [
  ['forRoot', () => SingapayModule.forRoot({ ...options(), isGlobal: true })],
  ['forRootAsync useFactory', () => SingapayModule.forRootAsync({ useFactory: async () => options(), isGlobal: true })],
  [
    'forRootAsync useFactory + inject ConfigService',
    () =>
      SingapayModule.forRootAsync({
        imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ singapay: options() })] })],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => config.getOrThrow<SingapayModuleOptions>('singapay'),
        isGlobal: true,
      }),
  ],
  ['forRootAsync useClass', () => SingapayModule.forRootAsync({ useClass: SingapayOptionsService, isGlobal: true })],
  [
    'forRootAsync useExisting',
    () => SingapayModule.forRootAsync({ imports: [OptionsModule], useExisting: SingapayOptionsService, isGlobal: true }),
  ],
  ['forRootAsync singapayConfig.asProvider()', () => SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true })],
];

describe.each(registrations)('SingapayModule registered with %s', (_name, register) => {
  beforeEach(() => {
    Object.assign(process.env, SINGAPAY_ENV, { SINGAPAY_BASE_URL: server.baseUrl });
  });
  afterEach(() => {
    for (const key of Object.keys(SINGAPAY_ENV)) delete process.env[key];
  });

  it('serves SingapayService to a feature module through isGlobal, talking to the configured host', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [register(), BillingModule] }).compile();
    try {
      const billing = moduleRef.get(BillingService);
      expect(billing.singapay).toBeInstanceOf(SingapayService);
      await expect(billing.singapay.checkBalance()).resolves.toMatchObject({ balance: 250000, currency: 'IDR' });
    } finally {
      await moduleRef.close();
    }
  });
});

describe('SingapayModule registration rules', () => {
  it('without isGlobal, only the importing module sees SingapayService', async () => {
    const compile = Test.createTestingModule({ imports: [SingapayModule.forRoot(options()), BillingModule] }).compile();
    await expect(compile).rejects.toThrow(/SingapayService/);
  });

  it('gives two registrations their own options and tokens', async () => {
    const other = await ScriptedServer.start();
    other.handle((req, res) =>
      req.path.includes('access-token')
        ? tokenAnswer(res, 'other-token')
        : json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: '7.00', currency: 'IDR' } }),
    );
    @Module({ imports: [SingapayModule.forRoot(options())], providers: [BillingService], exports: [BillingService] })
    class FirstModule {}
    @Injectable()
    class SecondBilling {
      constructor(readonly singapay: SingapayService) {}
    }
    @Module({
      imports: [SingapayModule.forRoot({ ...options(), baseUrl: other.baseUrl })],
      providers: [SecondBilling],
      exports: [SecondBilling],
    })
    class SecondModule {}
    const moduleRef = await Test.createTestingModule({ imports: [FirstModule, SecondModule] }).compile();
    try {
      const first = moduleRef.get(BillingService).singapay;
      const second = moduleRef.get(SecondBilling).singapay;
      expect(first).not.toBe(second);
      expect((await first.checkBalance()).balance).toBe(250000);
      expect((await second.checkBalance()).balance).toBe(7);
      expect(other.tokenRequests()).toHaveLength(1);
    } finally {
      await moduleRef.close();
      await other.stop();
    }
  });

  it('stops the app at start-up on a bad configuration, naming fields and hiding values', async () => {
    const compile = Test.createTestingModule({
      imports: [SingapayModule.forRoot({ ...options(), clientSecret: '', password: ' leaked-password ', timeoutMs: -5 })],
    }).compile();
    const error = await compile.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(SingapayConfigurationError);
    expect(error!.message).toContain('clientSecret (SINGAPAY_CLIENT_SECRET) is missing');
    expect(error!.message).toContain('password (SINGAPAY_PASSWORD)');
    expect(error!.message).toContain('timeoutMs (SINGAPAY_TIMEOUT_MS)');
    expect(error!.message).not.toContain('leaked-password');
  });

  it("logs nothing below LOG under Nest's default levels (DEBUG shown) until debugLogs asks for its per-call lines", async () => {
    const debugLines = async (extra: Partial<SingapayModuleOptions>): Promise<string[]> => {
      const moduleRef = await Test.createTestingModule({ imports: [SingapayModule.forRoot({ ...options(), ...extra })] })
        .setLogger(capturingLogger)
        .compile();
      await moduleRef.init();
      const from = capturedLogLines.length;
      try {
        await moduleRef.get(SingapayService).checkBalance();
        await moduleRef.get(SingapayService).checkBalance();
      } finally {
        await moduleRef.close();
      }
      return capturedLogLines.slice(from).filter((line) => line.startsWith('debug '));
    };
    expect(await debugLines({})).toEqual([]);
    const asked = await debugLines({ debugLogs: true });
    expect(asked).toEqual([
      expect.stringMatching(/^debug access token granted, lifetime \d+s/),
      expect.stringMatching(/^debug checkBalance command=check-balance http=200 result=00 attempt=1 \d+ms/),
      expect.stringMatching(/^debug checkBalance command=check-balance http=200 result=00 attempt=1 \d+ms/),
    ]);
  });

  it('reads its configuration from SINGAPAY_* variables through singapayConfig', async () => {
    Object.assign(process.env, SINGAPAY_ENV, {
      SINGAPAY_BASE_URL: server.baseUrl,
      SINGAPAY_ENV: 'development',
      SINGAPAY_CLIENT_SECRET: '',
    });
    try {
      const compile = Test.createTestingModule({
        imports: [SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true })],
      }).compile();
      await expect(compile).rejects.toThrow(/clientSecret \(SINGAPAY_CLIENT_SECRET\) is missing/);
    } finally {
      for (const key of [...Object.keys(SINGAPAY_ENV), 'SINGAPAY_ENV']) delete process.env[key];
    }
  });

  it('serves several named accounts side by side in one module, each with its own host and token', async () => {
    const other = await ScriptedServer.start();
    other.handle((req, res) =>
      req.path.includes('access-token')
        ? tokenAnswer(res, 'other-token')
        : json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: '9.00', currency: 'IDR' } }),
    );
    @Injectable()
    class TwoAccounts {
      constructor(
        @InjectSingapay('sandbox') readonly sandbox: SingapayService,
        @InjectSingapay('merchantB') readonly merchantB: SingapayService,
        readonly main: SingapayService,
      ) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        SingapayModule.forRoot({ ...options(), name: 'sandbox' }),
        SingapayModule.forRootAsync({ name: 'merchantB', useFactory: () => ({ ...options(), baseUrl: other.baseUrl }) }),
        SingapayModule.forRoot({ ...options(), baseUrl: other.baseUrl }),
      ],
      providers: [TwoAccounts],
    }).compile();
    try {
      const two = moduleRef.get(TwoAccounts);
      expect(two.sandbox).not.toBe(two.merchantB);
      expect((await two.sandbox.checkBalance()).balance).toBe(250000);
      expect((await two.merchantB.checkBalance()).balance).toBe(9);
      expect((await two.main.checkBalance()).balance).toBe(9);
      expect(moduleRef.get(getSingapayToken('sandbox'))).toBe(two.sandbox);
      expect(getSingapayToken()).toBe(SingapayService);
      expect(() => getSingapayToken('bad name!')).toThrow(/registration name/);
    } finally {
      await moduleRef.close();
      await other.stop();
    }
  });

  it('one payment store without withNamespace() given to two registrations is refused at start-up: their records would mix', async () => {
    const shared = new SingapayInMemoryPaymentStore();
    const compile = Test.createTestingModule({
      imports: [
        SingapayModule.forRoot({ ...options(), name: 'accountA', paymentStore: shared }),
        SingapayModule.forRoot({ ...options(), name: 'accountB', paymentStore: shared }),
      ],
    }).compile();
    await expect(compile).rejects.toThrow(/paymentStore is given to two registrations .* withNamespace\(\)/);
    // The start-up that was refused holds nothing: the store may serve one registration of another app.
    const alone = await Test.createTestingModule({
      imports: [SingapayModule.forRoot({ ...options(), name: 'accountB', paymentStore: shared })],
    }).compile();
    await alone.close();
    // Each its own store, or one store per registration again: accepted.
    const moduleRef = await Test.createTestingModule({
      imports: [
        SingapayModule.forRoot({ ...options(), name: 'accountA', paymentStore: new SingapayInMemoryPaymentStore() }),
        SingapayModule.forRoot({ ...options(), name: 'accountB', paymentStore: new SingapayInMemoryPaymentStore() }),
      ],
    }).compile();
    await moduleRef.close();
    // A store is given back when the registration it served stops: another may take it then.
    const reused = new SingapayInMemoryPaymentStore();
    for (const name of ['before', 'after']) {
      const app = await Test.createTestingModule({
        imports: [SingapayModule.forRoot({ ...options(), name, paymentStore: reused })],
      }).compile();
      await app.close();
    }
  });

  it('a named registration does not export the SingapayService class token', async () => {
    const compile = Test.createTestingModule({
      imports: [SingapayModule.forRoot({ ...options(), name: 'only-named', isGlobal: true }), BillingModule],
    }).compile();
    await expect(compile).rejects.toThrow(/SingapayService/);
  });
});
