import { Inject } from '@nestjs/common';
import { SingapayService } from './service/singapay.service.js';
import { SINGAPAY_DEFAULT_NAME } from './singapay.constants.js';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A registration's name, checked (it ends up in injection tokens and store keys); `default` when unset. */
export function singapayName(name: string | undefined): string {
  if (name !== undefined && !NAME.test(name)) throw new Error(`Singapay registration name must be 1-64 letters, digits, "_" or "-"`);
  return name ?? SINGAPAY_DEFAULT_NAME;
}

/**
 * The injection token of a named registration's `SingapayService`, for
 * `moduleRef.get()` and test overrides. The unnamed registration is `SingapayService` itself.
 */
export function getSingapayToken(name?: string): string | typeof SingapayService {
  const checked = singapayName(name);
  return checked === SINGAPAY_DEFAULT_NAME ? SingapayService : `SingapayService(${checked})`;
}

/** Injects the `SingapayService` of the registration called `name` (the unnamed one without it). */
export const InjectSingapay = (name?: string): ParameterDecorator & PropertyDecorator => Inject(getSingapayToken(name));
