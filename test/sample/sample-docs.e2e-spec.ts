import request from 'supertest';
import { getMetadataStorage } from 'class-validator';
import type { OpenAPIObject } from '@nestjs/swagger';
import { SINGAPAY_ENV_VARS, SingapayInquiryRequest, SingapayListTransactionsRequest, SingapayPayRequest } from '@app/singapay';
import type { SampleApp } from '../../apps/sample/src/sample-bootstrap.js';
import { INQUIRY_EXAMPLES, INQUIRY_RESULT_EXAMPLE, PAY_EXAMPLES } from '../../apps/sample/src/docs/sample-examples.js';
import { SAMPLE_KEY, startSampleOnSimulator } from '../support/sample-testing.js';

type Operation = {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: { example?: unknown } }[];
  requestBody?: {
    content: Record<string, { schema?: { $ref?: string }; example?: unknown; examples?: Record<string, { value: unknown }> }>;
  };
  responses: Record<
    string,
    {
      description?: string;
      content?: Record<string, { schema?: unknown; example?: unknown; examples?: Record<string, { value: unknown }> }>;
    }
  >;
};

/** Every route the running app serves, as "METHOD /path/{param}", read from express's router. */
function servedRoutes(sample: SampleApp): string[] {
  const router = (
    sample.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }
  ).router;
  return router.stack
    .filter((layer) => layer.route)
    .flatMap((layer) => Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`));
}

const validatedFields = (cls: new () => object) =>
  [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(cls, '', true, false)
        .map((m) => m.propertyName),
    ),
  ].sort();

describe('sample app API docs (/docs, /docs-json)', () => {
  let sample: SampleApp;
  let http: ReturnType<typeof request.agent>;
  let doc: OpenAPIObject;
  const op = (method: string, path: string) => (doc.paths[path] as Record<string, Operation>)[method.toLowerCase()]!;
  const schema = (name: string) =>
    doc.components!.schemas![name] as { properties: Record<string, { example?: unknown }>; required?: string[] };

  beforeAll(async () => {
    const started = await startSampleOnSimulator();
    sample = started.sample;
    http = request.agent(started.baseUrl).set('X-Api-Key', SAMPLE_KEY);
    doc = (await http.get('/docs-json').expect(200).expect('content-type', /json/)).body;
  });
  afterAll(async () => {
    await sample.close();
    for (const name of Object.values(SINGAPAY_ENV_VARS)) delete process.env[name];
  });

  it('lists every route the app serves, each with a summary and example answers', () => {
    const served = servedRoutes(sample).filter((r) => !/ \/docs/.test(r));
    expect(served).toEqual(
      expect.arrayContaining([
        'GET /balance',
        'POST /bills/inquiry',
        'POST /bills/pay',
        'GET /payments/{key}',
        'GET /transactions',
        'GET /transactions/{id}',
        'POST /singapay/callback',
        'GET /health',
      ]),
    );
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(served.sort());
    for (const route of served) {
      const [method, path] = route.split(' ');
      const operation = op(method!, path!);
      expect(operation.summary, route).toBeTruthy();
      const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'));
      expect(success, route).toBeDefined();
      const content = success![1].content?.['application/json'];
      expect(content?.example ?? content?.examples, `${route} success example`).toBeTruthy();
    }
  });

  it('documents the status codes of each endpoint, with examples for each error', () => {
    const statuses = (method: string, path: string) => Object.keys(op(method, path).responses).sort();
    expect(statuses('POST', '/bills/pay')).toEqual(['200', '202', '400', '401', '404', '409', '415', '502', '503', '504']);
    expect(statuses('POST', '/bills/inquiry')).toEqual(['200', '400', '401', '404', '409', '415', '502', '503', '504']);
    expect(statuses('GET', '/balance')).toEqual(['200', '401', '502', '503', '504']);
    expect(statuses('GET', '/transactions/{id}')).toEqual(['200', '400', '401', '404', '502', '503', '504']);
    expect(statuses('GET', '/payments/{key}')).toEqual(['200', '401', '404']);
    expect(statuses('GET', '/health')).toEqual(['200', '503']);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(ops as Record<string, Operation>)) {
        if (path === '/singapay/callback') continue;
        for (const [status, response] of Object.entries(operation.responses)) {
          const content = response.content?.['application/json'];
          expect(response.description, `${method} ${path} ${status}`).toBeTruthy();
          expect(content?.example ?? content?.examples, `${method} ${path} ${status} example`).toBeTruthy();
        }
      }
    }
    expect(op('POST', '/bills/pay').responses['409']!.content!['application/json']!.examples!.idempotencyConflict!.value).toMatchObject({
      singapay: { type: 'idempotency_conflict' },
    });
  });

  it('documents the Idempotency-Key header of POST /bills/pay', () => {
    const header = op('POST', '/bills/pay').parameters!.find((p) => p.name === 'Idempotency-Key');
    expect(header).toMatchObject({ in: 'header', required: false, schema: { type: 'string', example: 'order-1001' } });
  });

  it('documents every field the library validates, with examples from the simulator test customers', () => {
    const documented = (name: string) => Object.keys(schema(name).properties).sort();
    expect(documented('InquiryRequestDto')).toEqual(validatedFields(SingapayInquiryRequest));
    expect(documented('PayRequestDto')).toEqual(validatedFields(SingapayPayRequest));
    expect(schema('InquiryRequestDto').required!.sort()).toEqual(['command', 'customerId', 'productCode']);
    const query = op('GET', '/transactions')
      .parameters!.filter((p) => p.in === 'query')
      .map((p) => p.name)
      .sort();
    expect(query).toEqual(validatedFields(SingapayListTransactionsRequest));
    for (const name of ['InquiryRequestDto', 'PayRequestDto', 'BalanceDto', 'InquiryResultDto', 'TransactionDto', 'PaymentDto']) {
      for (const [field, property] of Object.entries(schema(name).properties)) {
        expect(
          property.example ?? (property as { $ref?: string }).$ref ?? (property as { allOf?: unknown }).allOf,
          `${name}.${field}`,
        ).toBeDefined();
      }
    }
    const inquiry = op('POST', '/bills/inquiry').requestBody!.content['application/json']!;
    expect(inquiry.schema!.$ref).toBe('#/components/schemas/InquiryRequestDto');
    expect(inquiry.examples!.plnpos!.value).toEqual({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' });
    expect(op('POST', '/bills/pay').requestBody!.content['application/json']!.examples!.pulsa!.value).toEqual(PAY_EXAMPLES.pulsa.value);
    expect(op('GET', '/balance').responses['200']!.content!['application/json']!.example).toMatchObject({
      balance: 10_000_000,
      currency: 'IDR',
    });
  });

  it('shows examples that the app really answers as documented', async () => {
    const res = await http.post('/bills/inquiry').send(INQUIRY_EXAMPLES.plnpos.value).expect(200);
    const { referenceNumber: _r, createdAt: _c, raw: _raw, ...documented } = INQUIRY_RESULT_EXAMPLE;
    expect(res.body).toMatchObject(documented);
    await http.post('/bills/inquiry').send(INQUIRY_EXAMPLES.customerNotFound.value).expect(404);
    await http.post('/bills/inquiry').send(INQUIRY_EXAMPLES.billAlreadyPaid.value).expect(409);
    for (const name of ['plntok', 'pdam', 'bpjsks', 'topupg'] as const) {
      await http.post('/bills/inquiry').send(INQUIRY_EXAMPLES[name].value).expect(200);
    }
    await http
      .post('/bills/pay')
      .set('X-Api-Key', SAMPLE_KEY)
      .set('Idempotency-Key', 'docs-pulsa-1')
      .send(PAY_EXAMPLES.pulsa.value)
      .expect(202);
    expect((await http.get('/balance').expect(200)).body.currency).toBe('IDR');
  });

  it('serves Swagger UI with its assets from this app (no CDN)', async () => {
    const page = await http.get('/docs').expect(200).expect('content-type', /html/);
    expect(page.text).toContain('nestjs-singapay sample API');
    expect(page.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"']*\.(js|css)/);
    await http
      .get('/docs/swagger-ui-bundle.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await http.get('/docs/swagger-ui.css').expect(200);
    const init = await http.get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('/bills/inquiry');
  });
});
