import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { SingapayModule, singapayConfig } from 'nestjs-singapay';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    // callbackPath mounts POST /singapay/callback, where Singapay (here the simulator) reports settlements.
    SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true, callbackPath: 'singapay/callback' }),
  ],
})
export class AppModule {}
