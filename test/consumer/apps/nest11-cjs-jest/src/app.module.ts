import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { SingapayModule, singapayConfig } from 'nestjs-singapay';
import { BillsController } from './bills.controller';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true }),
  ],
  controllers: [BillsController],
})
export class AppModule {}
