// The three ways of making the same upstream call that the bench compares:
// through the module, by hand with a keep-alive axios instance, and with node:http (the floor).
import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import { SingapayModule, SingapayService, type SingapayModuleOptions } from '../libs/singapay/src/index.js';
import { SINGAPAY_GENERAL_PATHS, SINGAPAY_TOKEN_PATH } from '../libs/singapay/src/contract/singapay-api.contract.js';

export type Operation = 'checkBalance' | 'inquiry';
export type Variant = 'module' | 'axios' | 'http';
export const OPERATIONS: readonly Operation[] = ['checkBalance', 'inquiry'];
export const VARIANTS: readonly Variant[] = ['module', 'axios', 'http'];

export interface UpstreamTarget {
  baseUrl: string;
  credentials: { apiKey: string; clientId: string; clientSecret: string; password: string };
}

export type BenchCalls = Record<Operation, () => Promise<unknown>>;

export interface BenchClient {
  calls: BenchCalls;
  close(): Promise<void>;
}

// A plnpos inquiry: the documented NARSONO bill, the same request in every variant.
export const INQUIRY_INPUT = { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' } as const;
const INQUIRY_PATH = '/api/v2/postpaid/inquiry';
const INQUIRY_BODY = { command: 'plnpos', data: { customer_id: '146300068064', product_code: 'SPPLNPOS' } };
const BALANCE_BODY = { command: 'check-balance' };

/** The module as an app would use it: `SingapayModule.forRoot` in a Nest application context, Nest's logger silenced. */
export async function createModuleClient(
  target: UpstreamTarget,
  extra: Partial<SingapayModuleOptions> = {},
): Promise<BenchClient & { app: INestApplicationContext }> {
  @Module({
    imports: [
      SingapayModule.forRoot({
        environment: 'sandbox',
        baseUrl: target.baseUrl,
        apiKey: target.credentials.apiKey,
        clientId: target.credentials.clientId,
        clientSecret: target.credentials.clientSecret,
        password: target.credentials.password,
        ...extra,
      }),
    ],
  })
  class BenchModule {}
  // Per-call debug lines would dominate the profile; errors still show.
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'], abortOnError: false });
  const singapay = app.get(SingapayService);
  return {
    app,
    calls: {
      checkBalance: () => singapay.checkBalance(),
      inquiry: () => singapay.inquiry({ ...INQUIRY_INPUT }),
    },
    close: () => app.close(),
  };
}

/** Reads the business envelope the way a hand-written integration would: code 00 or an error. */
function businessData(body: unknown): Record<string, unknown> {
  const envelope = body as { response_code?: unknown; data?: Record<string, unknown> };
  if (envelope?.response_code !== '00' || typeof envelope.data !== 'object') {
    throw new Error(`unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
  }
  return envelope.data;
}

// The same result shapes as the module's, `raw` included, so every variant hands its caller as much.
function balanceResult(body: unknown) {
  const data = businessData(body);
  return { balance: Number(data.balance), currency: String(data.currency), raw: body };
}

function inquiryResult(body: unknown) {
  const data = businessData(body);
  return { referenceNumber: data.reference_number, amount: Number(data.amount), price: Number(data.price), raw: body };
}

/**
 * A hand-written integration: one keep-alive axios instance, a token fetched
 * once and reused, the partner id and Bearer header, a JSON post, code 00 checked.
 * No validation, retries, renewal or error mapping: the baseline the module must come close to.
 */
export function createAxiosClient(target: UpstreamTarget): BenchClient {
  const { post, close } = createAxiosPoster(target);
  return {
    calls: {
      checkBalance: async () => balanceResult(await post(SINGAPAY_GENERAL_PATHS.checkBalance, BALANCE_BODY)),
      inquiry: async () => inquiryResult(await post(INQUIRY_PATH, INQUIRY_BODY)),
    },
    close,
  };
}

/** The hand-written client's one way of calling upstream: a token fetched once, the two headers, a JSON post. */
export function createAxiosPoster(target: UpstreamTarget): {
  post: (path: string, body: object) => Promise<unknown>;
  close: () => Promise<void>;
} {
  const agent = new http.Agent({ keepAlive: true });
  const client: AxiosInstance = axios.create({ baseURL: target.baseUrl, httpAgent: agent, timeout: 30_000 });
  const { apiKey, clientId, clientSecret } = target.credentials;
  let token: Promise<string> | undefined;
  const accessToken = (): Promise<string> =>
    (token ??= client
      .post<{ data: { access_token: string } }>(
        SINGAPAY_TOKEN_PATH,
        { grant_type: 'client_credentials' },
        {
          headers: { 'X-PARTNER-ID': apiKey },
          auth: { username: clientId, password: clientSecret },
        },
      )
      .then((res) => res.data.data.access_token));
  const post = async (path: string, body: object): Promise<unknown> => {
    const headers = { 'X-PARTNER-ID': apiKey, Authorization: `Bearer ${await accessToken()}` };
    return (await client.post(path, body, { headers })).data;
  };
  return { post, close: async () => agent.destroy() };
}

/** node:http with a keep-alive agent: the least any client can do for the same exchange. */
export function createHttpClient(target: UpstreamTarget): BenchClient {
  const agent = new http.Agent({ keepAlive: true });
  const url = new URL(target.baseUrl);
  const { apiKey, clientId, clientSecret } = target.credentials;
  const post = (path: string, body: object, authorization: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path,
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(payload),
            'X-PARTNER-ID': apiKey,
            Authorization: authorization,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch (error) {
              reject(error as Error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  let token: Promise<string> | undefined;
  const bearer = (): Promise<string> =>
    (token ??= post(SINGAPAY_TOKEN_PATH, { grant_type: 'client_credentials' }, basic).then(
      (body) => `Bearer ${(body as { data: { access_token: string } }).data.access_token}`,
    ));
  return {
    calls: {
      checkBalance: async () => balanceResult(await post(SINGAPAY_GENERAL_PATHS.checkBalance, BALANCE_BODY, await bearer())),
      inquiry: async () => inquiryResult(await post(INQUIRY_PATH, INQUIRY_BODY, await bearer())),
    },
    close: async () => agent.destroy(),
  };
}

export async function createClient(variant: Variant, target: UpstreamTarget): Promise<BenchClient> {
  if (variant === 'module') return createModuleClient(target);
  return variant === 'axios' ? createAxiosClient(target) : createHttpClient(target);
}
