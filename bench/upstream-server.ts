// The upstream the bench calls, in a process of its own so its CPU does not count against the
// client: a minimal Singapay look-alike (`BENCH_UPSTREAM=minimal`) or the simulator.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SINGAPAY_GENERAL_PATHS, SINGAPAY_HEADERS, SINGAPAY_TOKEN_PATH } from '../libs/singapay/src/contract/singapay-api.contract.js';
import { SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS as credentials, SingapaySimulator } from '../libs/singapay-simulator/src/index.js';
import { formatSingapayDateTime } from '../libs/singapay-simulator/src/simulator-format.js';
import { newUlid } from '../libs/singapay-simulator/src/simulator-ids.js';
import { epochMs, serveIpc, sum } from './bench-util.js';

const lifetimeSeconds = Number(process.env.BENCH_TOKEN_LIFETIME_SECONDS ?? 3600);
const BALANCE_PATH = SINGAPAY_GENERAL_PATHS.checkBalance;
const INQUIRY_PATH = '/api/v2/postpaid/inquiry';
const PAYMENT_PATH = '/api/v2/prepaid/payment';
const EXPECTED_BASIC = `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`;
const PARTNER_HEADER = SINGAPAY_HEADERS.partnerId.toLowerCase();
const JSON_HEADERS = { 'content-type': 'application/json' };

// The simulator's answers, prebuilt where nothing varies per call.
const BALANCE = { command: 'check-balance', response_code: '00', response_text: 'Operation completed successfully' };
const BALANCE_BODY = JSON.stringify({ ...BALANCE, data: { balance: '10000000.00', currency: 'IDR' } });
const INQUIRY = { command: 'plnpos', response_code: '00', response_text: 'Inquiry success' };
const BILL = { amount: '151005', customer_name: 'NARSONO', period: '202401', customer_id: '146300068064' };
const REFUSED_BODY = JSON.stringify({ status: 401, success: false, error: { code: 401, message: 'Unauthenticated' } });
const NOT_FOUND_BODY = JSON.stringify({ status: 404, success: false, error: { code: 404, message: 'Not found' } });

/** Since the last reset (the simulator counts only token requests and requests); `connections` shows keep-alive at work. */
const zero = () => ({ tokenRequests: 0, tokenRequestTimes: [] as number[], requests: 0, connections: 0, refused: 0, payments: 0 });
const stats = { ...zero(), cpuMicros: 0 };
export type UpstreamStats = typeof stats;
let cpuAtReset = process.cpuUsage();
/** Valid tokens and when they expire (epoch ms): exact to the millisecond, unlike a JWT's `exp`. */
const tokens = new Map<string, number>();
let inquiries = 0;

function inquiryBody(): string {
  const reference_number = `SPPLNPOSBENCH${String(++inquiries).padStart(10, '0')}`;
  return JSON.stringify({ ...INQUIRY, data: { ...BILL, reference_number, price: '152505', created_at: '2024-01-15 10:00:00' } });
}

/** A direct purchase of SPTLKMAS10, answered as the simulator does by default: 01 (pending), a fresh transaction, WIB time. */
function paymentAnswer(text: string): [number, string] {
  const { command, data } = JSON.parse(text) as { command?: unknown; data?: Record<string, unknown> };
  if (command !== 'pulsa' || data?.product_code !== 'SPTLKMAS10' || data.password !== credentials.password) {
    return [422, JSON.stringify({ command, response_code: '04', response_text: 'Invalid request' })];
  }
  stats.payments++;
  const now = Date.now();
  const created_at = formatSingapayDateTime(now, 'WIB');
  const paid = { customer_id: data.customer_id, amount: '10000', price: '11000', transaction_id: newUlid(now), created_at };
  return [200, JSON.stringify({ command: 'pulsa', response_code: '01', response_text: 'Payment pending', data: paid })];
}

function tokenIsValid(header: string | undefined): boolean {
  const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
  if ((tokens.get(token) ?? 0) > Date.now()) return true;
  tokens.delete(token);
  return false;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  stats.requests++;
  const answer = (status: number, body: string) => {
    res.writeHead(status, JSON_HEADERS);
    res.end(body);
  };
  // The body is read in full, as a server must before answering on a keep-alive socket; only a payment's is needed.
  const chunks: Buffer[] = [];
  if (req.url === PAYMENT_PATH) req.on('data', (chunk: Buffer) => chunks.push(chunk));
  else req.resume();
  req.on('end', () => {
    if (req.headers[PARTNER_HEADER] !== credentials.apiKey) return answer(403, NOT_FOUND_BODY);
    if (req.url === SINGAPAY_TOKEN_PATH) {
      stats.tokenRequests++;
      stats.tokenRequestTimes.push(epochMs());
      if (req.headers.authorization !== EXPECTED_BASIC) return answer(401, REFUSED_BODY);
      const access_token = `bench-${randomBytes(12).toString('hex')}`;
      tokens.set(access_token, Date.now() + lifetimeSeconds * 1000);
      const data = { access_token, token_type: 'Bearer', expires_in: String(lifetimeSeconds) };
      return answer(200, JSON.stringify({ status: 200, success: true, data }));
    }
    if (!tokenIsValid(req.headers.authorization)) {
      stats.refused++;
      return answer(401, REFUSED_BODY);
    }
    if (req.url === BALANCE_PATH) return answer(200, BALANCE_BODY);
    if (req.url === INQUIRY_PATH) return answer(200, inquiryBody());
    if (req.url === PAYMENT_PATH) return answer(...paymentAnswer(Buffer.concat(chunks).toString('utf8')));
    answer(404, NOT_FOUND_BODY);
  });
}

async function startMinimal(): Promise<string> {
  const server = createServer(handle);
  server.on('connection', () => stats.connections++);
  // Longer than any pause between scenarios, so idle keep-alive sockets are not closed under a client mid-run.
  server.keepAliveTimeout = 120_000;
  // A 1000-connection burst overflows the default backlog (511), and the kernel retries dropped SYNs after 1 s.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// Settlements far away: the bench only reads, and no timers should fire mid-run.
const simulator =
  process.env.BENCH_UPSTREAM === 'simulator'
    ? await SingapaySimulator.start({ tokenLifetimeSeconds: lifetimeSeconds, settleDelayMs: 3_600_000 })
    : undefined;
const simulatorCounts = () => [simulator!.stats().tokenRequests, sum(Object.values(simulator!.stats().requests))];
let simulatorAtReset = simulator && simulatorCounts();

function reset(): void {
  Object.assign(stats, zero());
  cpuAtReset = process.cpuUsage();
  if (simulator) simulatorAtReset = simulatorCounts();
}

const snapshot = async (args?: { reset?: boolean }) => {
  const cpu = process.cpuUsage(cpuAtReset);
  const now: UpstreamStats = { ...stats, cpuMicros: cpu.user + cpu.system };
  if (simulator) [now.tokenRequests, now.requests] = simulatorCounts().map((n, i) => n - simulatorAtReset![i]);
  if (args?.reset) reset();
  return now;
};
serveIpc({ baseUrl: simulator?.baseUrl ?? (await startMinimal()), credentials }, { stats: snapshot, reset: async () => reset() });
