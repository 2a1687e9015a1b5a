import { request } from 'node:http';
import { SIMULATOR_TOKEN_PATH, simulatorProductPath } from '../simulator-api-docs.js';
import type { SingapaySimulator } from '../singapay-simulator.js';

/** A JSON answer: HTTP status plus the parsed body (loosely typed: the tests assert on it). */
export interface SimulatorTestAnswer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A minimal hand-written client for the simulator's specs. It goes over real
 * HTTP with node:http (not fetch) so a test can send any header, including
 * none at all.
 */
export class SimulatorTestClient {
  private accessToken: string | undefined;

  constructor(private readonly sim: SingapaySimulator) {}

  /** POST with full control of headers and the raw body. */
  raw(path: string, body: string | Buffer | undefined, headers: Record<string, string>, method = 'POST'): Promise<SimulatorTestAnswer> {
    const url = new URL(path, this.sim.baseUrl);
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // left as text: the test will say what it expected
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** A request to the control interface, e.g. `control('POST', 'faults', rule)`. */
  control(method: string, path: string, body?: unknown): Promise<SimulatorTestAnswer> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    return this.raw(`/__simulator/${path}`, body === undefined ? undefined : JSON.stringify(body), headers, method);
  }

  tokenRequest(overrides: { partnerId?: string | null; basic?: string | null; body?: unknown } = {}): Promise<SimulatorTestAnswer> {
    const { apiKey, clientId, clientSecret } = this.sim.credentials;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    const partnerId = overrides.partnerId === undefined ? apiKey : overrides.partnerId;
    if (partnerId !== null) headers['x-partner-id'] = partnerId;
    const basic = overrides.basic === undefined ? `${clientId}:${clientSecret}` : overrides.basic;
    if (basic !== null) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    return this.raw(SIMULATOR_TOKEN_PATH, JSON.stringify(overrides.body ?? { grant_type: 'client_credentials' }), headers);
  }

  async token(): Promise<string> {
    const answer = await this.tokenRequest();
    if (answer.status !== 200) throw new Error(`token request failed: ${answer.status}`);
    this.accessToken = answer.body.data.access_token as string;
    return this.accessToken;
  }

  /** A business call with valid headers and a cached token. */
  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<SimulatorTestAnswer> {
    const token = this.accessToken ?? (await this.token());
    return this.raw(path, JSON.stringify(body), {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-partner-id': this.sim.credentials.apiKey,
      authorization: `Bearer ${token}`,
      ...headers,
    });
  }

  inquiry(
    command: string,
    data: Record<string, unknown>,
    family: 'prepaid' | 'postpaid' = 'postpaid',
    version: 'v1' | 'v2' = 'v2',
  ): Promise<SimulatorTestAnswer> {
    return this.post(simulatorProductPath(version, family, 'inquiry'), { command, data });
  }

  payment(
    command: string,
    data: Record<string, unknown>,
    family: 'prepaid' | 'postpaid' = 'postpaid',
    version: 'v1' | 'v2' = 'v2',
  ): Promise<SimulatorTestAnswer> {
    return this.post(simulatorProductPath(version, family, 'payment'), {
      command,
      data: { password: this.sim.credentials.password, ...data },
    });
  }

  /** Inquiry then payment of the minted reference; returns both answers. */
  async inquireAndPay(
    command: string,
    data: Record<string, unknown>,
    family: 'prepaid' | 'postpaid' = 'postpaid',
  ): Promise<{ inquiry: SimulatorTestAnswer; payment: SimulatorTestAnswer }> {
    const inquiry = await this.inquiry(command, data, family);
    if (inquiry.body.response_code !== '00') throw new Error(`inquiry answered ${JSON.stringify(inquiry.body)}`);
    const payment = await this.payment(
      command,
      { customer_id: data.customer_id, product_code: data.product_code, reference_number: inquiry.body.data.reference_number },
      family,
    );
    return { inquiry, payment };
  }
}
