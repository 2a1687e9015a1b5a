import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ERROR_EXAMPLES } from './sample-examples.js';
import { ErrorResponseDto } from './response-dtos.js';

type ErrorExample = keyof typeof ERROR_EXAMPLES;

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: the message names the field. Nothing was sent to Singapay.',
  401: 'No or wrong `X-Api-Key` (the routes that pay). Nothing was sent to Singapay.',
  404: 'Not found (Singapay code 06 or 20).',
  409: 'Conflict: bill already paid (21), same Idempotency-Key for a different request, or another conflicting state.',
  415: 'Not `application/json`: the write routes take JSON only. Nothing was sent to Singapay.',
  502: "Singapay failed, or refused this server's own credentials (a server problem, never the caller's).",
  503: 'Singapay unavailable or unreachable, or the deposit is too low (17).',
  504: 'Singapay did not answer in time. After a payment, look it up before paying again.',
};

/** Documents error answers (`ErrorResponseDto`), each status with the named examples. */
export function ApiErrors(
  byStatus: Partial<Record<400 | 401 | 404 | 409 | 415 | 502 | 503 | 504, ErrorExample[]>>,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(byStatus).map(([status, names]) =>
      ApiResponse({
        status: Number(status),
        description: DESCRIPTIONS[Number(status)],
        type: ErrorResponseDto,
        examples: Object.fromEntries(names.map((name) => [name, ERROR_EXAMPLES[name]])),
      }),
    ),
  );
}

/** The failures any call to Singapay may end in. */
export const UPSTREAM_ERRORS = {
  502: ['billerError', 'credentialsRefused'],
  503: ['unreachable', 'insufficientBalance'],
  504: ['timeout'],
} as const satisfies Partial<Record<502 | 503 | 504, ErrorExample[]>>;
