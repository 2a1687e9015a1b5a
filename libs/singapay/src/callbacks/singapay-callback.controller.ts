import { Body, Controller, HttpCode, Post, type Type } from '@nestjs/common';
import { SingapayCallbackReceiver, type SingapayCallbackAck } from './singapay-callback.receiver.js';

/**
 * A controller class per registration, so each can mount the receiver at its
 * own path without touching a shared class's metadata.
 */
export function createSingapayCallbackController(path: string): Type<unknown> {
  @Controller(path)
  class SingapayCallbackController {
    constructor(private readonly receiver: SingapayCallbackReceiver) {}

    @Post()
    @HttpCode(200)
    receive(@Body() body: unknown): Promise<SingapayCallbackAck> {
      return this.receiver.receive(body);
    }
  }
  return SingapayCallbackController;
}
