// The upstream the bench calls: a minimal Singapay look-alike of its own, or
// the simulator, in a process of its own so its CPU does not count against the client.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SINGAPAY_GENERAL_PATHS, SINGAPAY_HEADERS, SINGAPAY_TOKEN_PATH } from '../libs/singapay/src/contract/singapay-api.contract.js';
import { SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS, SingapaySimulator } from '../libs/singapay-simulator/src/index.js';
import { serveIpc } from './bench-ipc.js';
import { epochMs } from './bench-stats.js';

export type UpstreamKind = 'minimal' | 'simulator';

export interface UpstreamStats {
  kind: UpstreamKind;
  tokenRequests: number;
  /** Epoch ms at which each token request arrived (minimal server only). */
  tokenRequestTimes: number[];
  requests: number;
  /** TCP connections accepted (minimal server only): shows whether clients reuse their keep-alive sockets. */
  connections: number;
  /** Business requests refused for their token (HTTP 401). */
  refused: number;
  /** Payment requests answered (minimal server only). */
  payments: number;
  /** CPU the server process spent since the last reset, in microseconds. */
  cpuMicros: number;
}

const credentials = SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS;
const kind = (process.env.BENCH_UPSTREAM ?? 'minimal') as UpstreamKind;
const tokenLifetimeSeconds = Number(process.env.BENCH_TOKEN_LIFETIME_SECONDS ?? 3600);

const INQUIRY_PATH = '/api/v2/postpaid/inquiry';
const PAYMENT_PATH = '/api/v2/prepaid/payment';
/** The one product the payment path sells: Telkomsel airtime 10.000, as in the simulator's catalogue. */
const PULSA = { productCode: 'SPTLKMAS10', amount: '10000', price: '11000' };
const EXPECTED_BASIC = `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`;
const PARTNER_HEADER = SINGAPAY_HEADERS.partnerId.toLowerCase();
const JSON_HEADERS = { 'content-type': 'application/json' };

// Bodies are the simulator's answers, byte for byte in shape, prebuilt where nothing varies per call.
const BALANCE_BODY = JSON.stringify({
  command: 'check-balance',
  response_code: '00',
  response_text: 'Operation completed successfully',
  data: { balance: '10000000.00', currency: 'IDR' },
});
const REFUSED_BODY = JSON.stringify({ status: 401, success: false, error: { code: 401, message: 'Unauthenticated' } });
const NOT_FOUND_BODY = JSON.stringify({ status: 404, success: false, error: { code: 404, message: 'Not found' } });

let inquiries = 0;
function inquiryBody(): string {
  inquiries++;
  return JSON.stringify({
    command: 'plnpos',
    response_code: '00',
    response_text: 'Inquiry success',
    data: {
      amount: '151005',
      customer_name: 'NARSONO',
      period: '202401',
      customer_id: '146300068064',
      reference_number: `SPPLNPOSBENCH${String(inquiries).padStart(10, '0')}`,
      price: '152505',
      created_at: '2024-01-15 10:00:00',
    },
  });
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const WIB_OFFSET_MS = 7 * 3600_000;

/** A ULID (48-bit millisecond time, 80 random bits), like Singapay's `transaction_id`. */
function ulid(epochMs: number): string {
  let time = '';
  for (let rest = epochMs, i = 0; i < 10; i++, rest = Math.floor(rest / 32)) time = CROCKFORD[rest % 32] + time;
  let random = '';
  for (const byte of randomBytes(16)) random += CROCKFORD[byte % 32];
  return time + random;
}

/**
 * A direct purchase, answered as the simulator answers one by default: code 01 (pending), a fresh
 * transaction, `created_at` printed in WIB without a zone. A wrong password or body gets the simulator's refusal codes.
 */
function paymentAnswer(text: string): { status: number; body: string } {
  let request: { command?: unknown; data?: Record<string, unknown> } | undefined;
  try {
    request = JSON.parse(text) as typeof request;
  } catch {
    request = undefined;
  }
  const data = request?.data;
  if (request?.command !== 'pulsa' || data?.product_code !== PULSA.productCode || typeof data.customer_id !== 'string') {
    return {
      status: 422,
      body: JSON.stringify({ command: request?.command ?? null, response_code: '04', response_text: 'Invalid request' }),
    };
  }
  if (data.password !== credentials.password) {
    return { status: 200, body: JSON.stringify({ command: 'pulsa', response_code: '08', response_text: 'Invalid password' }) };
  }
  stats.payments++;
  const now = Date.now();
  return {
    status: 200,
    body: JSON.stringify({
      command: 'pulsa',
      response_code: '01',
      response_text: 'Payment pending',
      data: {
        customer_id: data.customer_id,
        amount: PULSA.amount,
        price: PULSA.price,
        transaction_id: ulid(now),
        created_at: new Date(now + WIB_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' '),
      },
    }),
  };
}

const stats: UpstreamStats = {
  kind,
  tokenRequests: 0,
  tokenRequestTimes: [],
  requests: 0,
  connections: 0,
  refused: 0,
  payments: 0,
  cpuMicros: 0,
};
let cpuAtReset = process.cpuUsage();
/** Valid tokens and when they expire (epoch ms); the server clock is exact to the millisecond, unlike a JWT's `exp`. */
const tokens = new Map<string, number>();

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, JSON_HEADERS);
  res.end(body);
}

function tokenIsValid(header: string | undefined): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const expiresAt = tokens.get(header.slice(7));
  if (expiresAt === undefined) return false;
  if (Date.now() < expiresAt) return true;
  tokens.delete(header.slice(7));
  return false;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  stats.requests++;
  // Read the body in full, as any server must before answering on a keep-alive socket; only a payment's is needed.
  const chunks: Buffer[] = [];
  if (req.url === PAYMENT_PATH) req.on('data', (chunk: Buffer) => chunks.push(chunk));
  else req.resume();
  req.on('end', () => {
    if (req.headers[PARTNER_HEADER] !== credentials.apiKey) return answer(res, 403, NOT_FOUND_BODY);
    if (req.url === SINGAPAY_TOKEN_PATH) {
      stats.tokenRequests++;
      stats.tokenRequestTimes.push(epochMs());
      if (req.headers.authorization !== EXPECTED_BASIC) return answer(res, 401, REFUSED_BODY);
      const accessToken = `bench-${randomBytes(12).toString('hex')}`;
      tokens.set(accessToken, Date.now() + tokenLifetimeSeconds * 1000);
      return answer(
        res,
        200,
        JSON.stringify({
          status: 200,
          success: true,
          data: { access_token: accessToken, token_type: 'Bearer', expires_in: String(tokenLifetimeSeconds) },
        }),
      );
    }
    if (!tokenIsValid(req.headers.authorization)) {
      stats.refused++;
      return answer(res, 401, REFUSED_BODY);
    }
    if (req.url === SINGAPAY_GENERAL_PATHS.checkBalance) return answer(res, 200, BALANCE_BODY);
    if (req.url === INQUIRY_PATH) return answer(res, 200, inquiryBody());
    if (req.url === PAYMENT_PATH) {
      const { status, body } = paymentAnswer(Buffer.concat(chunks).toString('utf8'));
      return answer(res, status, body);
    }
    answer(res, 404, NOT_FOUND_BODY);
  });
}

async function startMinimal(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = createServer(handle);
  server.on('connection', () => stats.connections++);
  // Longer than any pause between scenarios, so idle keep-alive sockets are not closed under a client mid-run.
  server.keepAliveTimeout = 120_000;
  // A 1000-connection burst overflows the default accept backlog (511); dropped SYNs are retried by the
  // kernel after 1 s, which would measure TCP's retransmission timer rather than the client.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let simulator: SingapaySimulator | undefined;
let simulatorBaseline = { tokenRequests: 0, requests: 0 };

function simulatorCounts(): { tokenRequests: number; requests: number } {
  const s = simulator!.stats();
  return { tokenRequests: s.tokenRequests, requests: Object.values(s.requests).reduce((a, b) => a + b, 0) };
}

async function main(): Promise<void> {
  let baseUrl: string;
  let close: () => Promise<void>;
  if (kind === 'simulator') {
    // Settlements far away: the bench only reads, and no timers should fire mid-run.
    simulator = await SingapaySimulator.start({ tokenLifetimeSeconds, settleDelayMs: 3_600_000 });
    baseUrl = simulator.baseUrl;
    close = () => simulator!.stop();
  } else {
    ({ baseUrl, close } = await startMinimal());
  }

  serveIpc(
    { baseUrl, credentials },
    {
      stats: async (args: { reset?: boolean } | undefined) => {
        const now = process.cpuUsage(cpuAtReset);
        const snapshot: UpstreamStats = { ...stats, tokenRequestTimes: [...stats.tokenRequestTimes], cpuMicros: now.user + now.system };
        if (simulator) {
          const counts = simulatorCounts();
          snapshot.tokenRequests = counts.tokenRequests - simulatorBaseline.tokenRequests;
          snapshot.requests = counts.requests - simulatorBaseline.requests;
        }
        if (args?.reset) reset();
        return snapshot;
      },
      reset: async () => reset(),
    },
    close,
  );
}

function reset(): void {
  stats.tokenRequests = 0;
  stats.tokenRequestTimes = [];
  stats.requests = 0;
  stats.connections = 0;
  stats.refused = 0;
  stats.payments = 0;
  cpuAtReset = process.cpuUsage();
  if (simulator) simulatorBaseline = simulatorCounts();
}

await main();
