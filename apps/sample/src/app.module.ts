import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { SingapayModule, singapayConfig } from '@app/singapay';
import { BalanceController } from './balance/balance.controller.js';
import { BillsController } from './bills/bills.controller.js';
import { TransactionsController } from './transactions/transactions.controller.js';
import { PaymentsController } from './payments/payments.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    // callbackPath mounts POST /singapay/callback, where Singapay (or the simulator) reports settlements.
    SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true, callbackPath: 'singapay/callback' }),
  ],
  controllers: [BalanceController, BillsController, TransactionsController, PaymentsController],
})
export class AppModule {}
