import {
  applyDecorators,
  Injectable,
  UnauthorizedException,
  UnsupportedMediaTypeException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ApiSecurity } from '@nestjs/swagger';
import { ApiErrors } from '../docs/api-responses.js';

/** The environment variable holding the key a caller must send as `X-Api-Key` to the sample's API routes. */
export const SAMPLE_API_KEY_VAR = 'SAMPLE_API_KEY';

/**
 * The key of the sample on its built-in simulator, where no real money moves: printed in the
 * README so that the quick start runs as written. With real credentials the sample refuses to
 * start without a `SAMPLE_API_KEY` of your own.
 */
export const SAMPLE_SIMULATOR_API_KEY = 'sample-simulator-key';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Lets a request through only with the configured key in `X-Api-Key`: the sample's routes that
 * pay must never be open to whoever can reach the port. Compared in constant time, on digests so
 * that lengths do not leak. Copy it, or put your own authentication in its place.
 */
@Injectable()
export class SampleApiKeyGuard implements CanActivate {
  // Read when the app starts (createSampleApp refuses to start without one); missing, nothing gets through.
  private readonly expected = process.env[SAMPLE_API_KEY_VAR]?.trim() ? digest(process.env[SAMPLE_API_KEY_VAR].trim()) : undefined;

  canActivate(context: ExecutionContext): boolean {
    const sent = context.switchToHttp().getRequest<Request>().headers['x-api-key'];
    if (!this.expected || typeof sent !== 'string' || !timingSafeEqual(digest(sent), this.expected)) {
      throw new UnauthorizedException('send your API key in the X-Api-Key header');
    }
    return true;
  }
}

/**
 * Write routes take JSON only (415 otherwise): a plain cross-site HTML form posts
 * `application/x-www-form-urlencoded` or `multipart/form-data`, never JSON without a CORS preflight.
 */
@Injectable()
export class SampleJsonOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!request.is('application/json')) throw new UnsupportedMediaTypeException('send the request as application/json');
    return true;
  }
}

/**
 * The sample's API routes take the API key: those that pay, and those that show payments,
 * transactions (PLN tokens, customer names) or the deposit. Health, the docs and Singapay's
 * callback stay open. Documented in the OpenAPI document as the `api-key` scheme.
 */
export const SampleApiKeyProtected = (): ClassDecorator & MethodDecorator =>
  applyDecorators(UseGuards(SampleApiKeyGuard), ApiSecurity('api-key'), ApiErrors({ 401: ['apiKey'] }));
