import { Logger } from '@nestjs/common';
import type { SimulatorReply } from './simulator-envelopes.js';
import { SingapaySimulatorFaultRuleError, type SingapaySimulatorFaults } from './simulator-faults.js';
import { SIMULATOR_CONTROL_PREFIX, type SimulatorRequest } from './simulator-router.js';
import type { SingapaySimulatorLedger, SingapaySimulatorStats } from './simulator-reports.js';

/** What the control interface drives: the simulator's own test API. */
export interface SimulatorControlTarget {
  readonly faults: SingapaySimulatorFaults;
  ledger(): SingapaySimulatorLedger;
  stats(): SingapaySimulatorStats;
  settleAll(): void;
  reset(): void;
  revokeTokens(): void;
  advance(ms: number): void;
  now(): number;
}

/** Where the simulator is documented (test customers, faults, control routes, options). */
export const SINGAPAY_SIMULATOR_DOCS_URL = 'https://github.com/nestjs-singapay/nestjs-singapay/blob/main/libs/singapay-simulator/README.md';

/** The control routes under `/__simulator`, as `GET /__simulator` lists them. */
export const SIMULATOR_CONTROL_ROUTES: Readonly<Record<string, string>> = {
  'GET /': 'This index',
  'GET /faults': 'Fault rules and the fault seed',
  'POST /faults': 'Add a fault rule, e.g. {"endpoint":"payment","fault":{"kind":"resetAfterApply"},"times":1}; answers its id',
  'DELETE /faults': 'Remove every fault rule',
  'GET /faults/:id': 'One fault rule, with its hits',
  'DELETE /faults/:id': 'Remove one fault rule',
  'GET /ledger': 'Payments really applied (per customer, per reference)',
  'GET /stats': 'Request, token and callback counters',
  'POST /settle': 'Settle every pending purchase now',
  'POST /reset': 'Back to the starting state: balance, bills, transactions, fault rules (issued tokens and the clock stay)',
  'POST /revoke-tokens': 'Invalidate every access token issued so far',
  'POST /advance': 'Move the simulated clock forward: {"ms": 5000}',
};

type Route = (request: SimulatorRequest, body: Record<string, unknown>, id: string | undefined) => SimulatorReply;

const json = (status: number, body: unknown): SimulatorReply => ({ status, body });
const problem = (status: number, error: string): SimulatorReply => json(status, { error });

/** 127.0.0.0/8 and ::1: the control interface has no authentication, so only the local machine may use it. */
function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The simulator's control interface over HTTP, under `/__simulator`: plain
 * JSON, no auth, loopback clients only, never faulted and never counted as
 * business traffic. For harnesses that drive the simulator from another
 * process, such as the standalone `npm run simulator`.
 */
export class SingapaySimulatorControl {
  private readonly logger = new Logger('SingapaySimulator');
  /** `METHOD path-pattern` → route; `:id` stands for one path segment. */
  private readonly routes: ReadonlyMap<string, Route>;

  constructor(private readonly sim: SimulatorControlTarget) {
    this.routes = new Map<string, Route>([
      ['GET /', () => json(200, this.index())],
      ['GET /faults', () => json(200, { faults: this.sim.faults.list(), seed: this.sim.faults.seed })],
      ['POST /faults', (_req, body) => json(201, { id: this.sim.faults.add(body as never) })],
      ['DELETE /faults', () => json(200, { removed: this.sim.faults.clear() })],
      [
        'GET /faults/:id',
        (_req, _body, id) => {
          const info = this.sim.faults.get(id!);
          return info ? json(200, info) : problem(404, `No fault rule ${id}`);
        },
      ],
      [
        'DELETE /faults/:id',
        (_req, _body, id) => (this.sim.faults.remove(id!) ? json(200, { removed: 1 }) : problem(404, `No fault rule ${id}`)),
      ],
      ['GET /ledger', () => json(200, this.sim.ledger())],
      ['GET /stats', () => json(200, this.sim.stats())],
      ['POST /settle', () => this.done(() => this.sim.settleAll())],
      ['POST /reset', () => this.done(() => this.sim.reset())],
      ['POST /revoke-tokens', () => this.done(() => this.sim.revokeTokens())],
      [
        'POST /advance',
        (_req, body) => {
          const ms = body.ms;
          if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return problem(400, 'ms must be a number >= 0');
          this.sim.advance(ms);
          return json(200, { ok: true, now: this.sim.now() });
        },
      ],
    ]);
    const missing = [...this.routes.keys()].filter((key) => !(key in SIMULATOR_CONTROL_ROUTES));
    if (missing.length > 0) throw new Error(`control routes without a description: ${missing.join(', ')}`);
  }

  /** `GET /__simulator`: what the control interface offers, for a person or a script. */
  private index(): Record<string, unknown> {
    return {
      name: 'Singapay Biller simulator: control interface (loopback clients only)',
      docs: SINGAPAY_SIMULATOR_DOCS_URL,
      routes: Object.entries(SIMULATOR_CONTROL_ROUTES).map(([key, description]) => {
        const [method, pattern] = key.split(' ');
        return { method, path: `${SIMULATOR_CONTROL_PREFIX}${pattern === '/' ? '' : pattern}`, description };
      }),
    };
  }

  readonly handle = (request: SimulatorRequest): SimulatorReply => {
    if (!isLoopback(request.clientIp)) return problem(403, 'The control interface only answers loopback clients');
    const rest = request.path.slice(SIMULATOR_CONTROL_PREFIX.length) || '/';
    const segments = rest.split('/').filter((s) => s !== '');
    const id = segments.length === 2 ? safeDecode(segments[1]) : undefined;
    const pattern = `/${segments.length === 2 ? `${segments[0]}/:id` : segments.join('/')}`;
    const route = this.routes.get(`${request.method} ${pattern}`);
    if (!route) {
      const methods = [...this.routes.keys()].filter((key) => key.endsWith(` ${pattern}`)).map((key) => key.split(' ')[0]);
      return methods.length > 0
        ? { ...problem(405, 'Method Not Allowed'), headers: { allow: methods.join(', ') } }
        : problem(404, `No control route ${request.method} ${request.path}`);
    }
    let body: unknown = {};
    if (request.rawBody.length > 0) {
      try {
        body = JSON.parse(request.rawBody.toString('utf8'));
      } catch {
        return problem(400, 'Malformed JSON body');
      }
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return problem(400, 'The JSON body must be an object');
    try {
      return route(request, body as Record<string, unknown>, id);
    } catch (error) {
      if (error instanceof SingapaySimulatorFaultRuleError || error instanceof RangeError) return problem(400, error.message);
      this.logger.error(`Control request ${request.method} ${request.path} failed: ${error instanceof Error ? error.message : 'unknown'}`);
      return problem(500, 'Internal Server Error');
    }
  };

  private done(action: () => void): SimulatorReply {
    action();
    return json(200, { ok: true });
  }
}
