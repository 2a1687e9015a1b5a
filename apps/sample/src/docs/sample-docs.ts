import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { EXAMPLE_REFERENCE, EXAMPLE_TRANSACTION_ID, PLNPOS_CUSTOMER } from './sample-examples.js';

/** Where the docs are served: the UI, and the OpenAPI document as JSON. */
export const SAMPLE_DOCS_PATH = 'docs';
export const SAMPLE_DOCS_JSON_PATH = 'docs-json';

export function createSampleDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('nestjs-singapay sample app')
    .setDescription(
      [
        "The sample app of nestjs-singapay: Singapay's Biller B2B API (PLN, PDAM, BPJS, airtime, data, game top-ups) behind a small REST API.",
        'Without SINGAPAY_* credentials it runs on the built-in simulator; the examples use its test customers ' +
          `(plnpos ${PLNPOS_CUSTOMER} is NARSONO's bill of 151005, price 152505; ids ending 9020 are not found, 9021 already paid, 9001 stay pending).`,
        'Amounts are integer rupiah. Errors carry `singapay: { code, type }`: 4xx only where the caller can fix the request, 5xx where Singapay or this server failed.',
      ].join('\n\n'),
    )
    .setVersion('1.0')
    // POST /bills/pay moves money: it takes the key of SAMPLE_API_KEY (on the simulator, sample-simulator-key).
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
    .addTag('balance', 'Your deposit at Singapay')
    .addTag('bills', 'Inquiry and payment')
    .addTag('payments', 'Payments by Idempotency-Key')
    .addTag('transactions', "Singapay's transaction records")
    .addTag('callbacks', 'Where Singapay reports settlements')
    .addTag('health', 'Health check (@nestjs/terminus)')
    .build();
  return documentCallback(SwaggerModule.createDocument(app, config));
}

/**
 * The callback route is mounted by the library (`callbackPath`), which does not
 * depend on `@nestjs/swagger`; it is documented here instead.
 */
function documentCallback(document: OpenAPIObject): OpenAPIObject {
  const operation = document.paths['/singapay/callback']?.post;
  if (!operation) return document;
  Object.assign(operation, {
    tags: ['callbacks'],
    summary: 'Settlement callback (called by Singapay, not by you)',
    description:
      'Singapay (or the simulator) POSTs here when a transaction ends 00 or 50. Answered 200 at once; the module trusts only transaction_id and confirms it by looking the transaction up. Register this URL with Singapay.',
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: { type: 'object', required: ['command', 'response_code', 'data'], additionalProperties: true },
          example: {
            command: 'callback',
            response_code: '00',
            response_text: 'Transaction success',
            data: {
              transaction_id: EXAMPLE_TRANSACTION_ID,
              reference_number: EXAMPLE_REFERENCE,
              customer_id: PLNPOS_CUSTOMER,
              status: 'success',
            },
          },
        },
      },
    },
    responses: {
      '200': {
        description: 'Received; confirmed in the background.',
        content: { 'application/json': { example: { received: true, transactionId: EXAMPLE_TRANSACTION_ID } } },
      },
      '400': { description: 'Not a callback body.' },
      '413': { description: 'Body over 64 KiB.' },
    },
  });
  return document;
}

/** Serves Swagger UI at /docs and the document at /docs-json (assets from swagger-ui-dist, no CDN). */
export function setupSampleDocs(app: INestApplication): OpenAPIObject {
  const document = createSampleDocument(app);
  SwaggerModule.setup(SAMPLE_DOCS_PATH, app, document, {
    jsonDocumentUrl: SAMPLE_DOCS_JSON_PATH,
    customSiteTitle: 'nestjs-singapay sample API',
    swaggerOptions: { displayRequestDuration: true, tryItOutEnabled: false },
  });
  return document;
}
