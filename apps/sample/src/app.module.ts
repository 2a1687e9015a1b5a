import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { SingapayModule, singapayConfig } from '@app/singapay';
import { BalanceController } from './balance/balance.controller.js';
import { BillsController } from './bills/bills.controller.js';
import { TransactionsController } from './transactions/transactions.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true }),
  ],
  controllers: [BalanceController, BillsController, TransactionsController],
})
export class AppModule {}
