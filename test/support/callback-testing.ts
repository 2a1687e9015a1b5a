import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  SingapayCallbackReceiver,
  SingapayModule,
  SingapayService,
  type SingapayModuleOptions,
  type SingapayPaymentSettlement,
} from '@app/singapay';
import { SingapaySimulator, type SingapaySimulatorOptions } from '@app/singapay-simulator';
import { freePort } from './free-port.js';
import { registerSecret } from './log-capture.js';

/** A simulator and a Nest app that receives Singapay's callbacks over HTTP at `url`. */
export interface CallbackApp {
  sim: SingapaySimulator;
  app: INestApplication;
  url: string;
  service: SingapayService;
  receiver: SingapayCallbackReceiver;
  /** Every settlement the app announced since it started. */
  settlements: SingapayPaymentSettlement[];
  close(): Promise<void>;
}

/**
 * Starts both, on loopback. With `simulatorDelivers` the simulator posts its callbacks to the app
 * (retried every 20 ms); without it, the test delivers them itself, at the moment it needs.
 */
export async function startCallbackApp({
  simulatorDelivers,
  simulator = {},
  module = {},
  logger,
}: {
  simulatorDelivers: boolean;
  simulator?: Omit<SingapaySimulatorOptions, 'callbackUrl'>;
  module?: Partial<SingapayModuleOptions>;
  logger?: LoggerService;
}): Promise<CallbackApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/hooks/singapay`;
  const sim = await SingapaySimulator.start({
    settleDelayMs: 60_000,
    ...(simulatorDelivers ? { callbackUrl: url, callbackBackoffMs: 20 } : {}),
    ...simulator,
  });
  registerSecret(sim.credentials.clientSecret, sim.credentials.password);
  const builder = Test.createTestingModule({
    imports: [
      SingapayModule.forRoot({
        baseUrl: sim.baseUrl,
        ...sim.credentials,
        callbackPath: 'hooks/singapay',
        retry: { baseDelayMs: 5 },
        ...module,
      }),
    ],
  });
  const moduleRef = await (logger ? builder.setLogger(logger) : builder).compile();
  const app = moduleRef.createNestApplication(logger ? { logger } : {});
  await app.listen(port, '127.0.0.1');
  const service = app.get(SingapayService);
  const settlements: SingapayPaymentSettlement[] = [];
  service.settlements$.subscribe((s) => settlements.push(s));
  return {
    sim,
    app,
    url,
    service,
    receiver: app.get(SingapayCallbackReceiver),
    settlements,
    async close() {
      await app.close();
      await sim.stop();
    },
  };
}
