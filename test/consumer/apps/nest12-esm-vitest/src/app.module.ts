import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { SingapayModule, singapayConfig } from 'nestjs-singapay';
import { BillsController } from './bills.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    // Reads the SINGAPAY_* variables, as the package README shows.
    SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true }),
  ],
  controllers: [BillsController],
})
export class AppModule {}
