import { Logger } from '@nestjs/common';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import {
  SIMULATOR_GENERAL,
  SIMULATOR_GRANT_TYPE,
  SIMULATOR_TOKEN_PATH,
  simulatorProductPath,
  type SimulatorApiVersion,
  type SimulatorFamily,
  type SimulatorStage,
} from './simulator-api-docs.js';
import { statusEnvelopeReply, withPrintedCode, type SimulatorReply } from './simulator-envelopes.js';
import type { SimulatorRuntime, SingapaySimulatorHandlers } from './simulator-handlers.js';
import type { SingapaySimulatorTokens } from './simulator-token.js';

/** Requests bigger than this get 413; Singapay's bodies are a few hundred bytes. */
export const SIMULATOR_BODY_LIMIT_BYTES = 1024 * 1024;

type Body = Record<string, unknown>;

export type SimulatorEndpoint =
  | { kind: 'token' }
  | { kind: 'general'; handle: (handlers: SingapaySimulatorHandlers, body: Body) => SimulatorReply }
  | { kind: 'product'; version: SimulatorApiVersion; family: SimulatorFamily; stage: SimulatorStage };

/** One request as read off the wire. */
export interface SimulatorRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly clientIp: string;
  readonly rawBody: Buffer;
  /** Undefined for a path the API does not have. */
  readonly endpoint: SimulatorEndpoint | undefined;
}

/**
 * The one place every business request passes, after its body is read and
 * before anything is written. `proceed()` runs the simulator (state changes
 * happen there); the hook returns the reply to write, or null when it took
 * over the response itself. Fault injection is such a hook
 * (`SingapaySimulatorFaultInjector`); control requests never reach it.
 */
export type SimulatorRequestHook = (
  request: SimulatorRequest,
  proceed: () => SimulatorReply,
  response: ServerResponse,
  /** Prints a reply's code as `variants.codes` says, for a hook that writes an envelope of its own. */
  print: (reply: SimulatorReply) => SimulatorReply,
) => Promise<SimulatorReply | null>;

const passThrough: SimulatorRequestHook = async (_request, proceed) => proceed();

function buildEndpoints(): ReadonlyMap<string, SimulatorEndpoint> {
  const endpoints = new Map<string, SimulatorEndpoint>([
    [SIMULATOR_TOKEN_PATH, { kind: 'token' }],
    [SIMULATOR_GENERAL.checkBalance.path, { kind: 'general', handle: (h, b) => h.checkBalance(b) }],
    [SIMULATOR_GENERAL.detailTransaction.path, { kind: 'general', handle: (h, b) => h.detailTransaction(b) }],
    [SIMULATOR_GENERAL.listTransactions.path, { kind: 'general', handle: (h, b) => h.listTransactions(b) }],
    [SIMULATOR_GENERAL.resetCustomerId.path, { kind: 'general', handle: (h, b) => h.resetCustomerId(b) }],
    [SIMULATOR_GENERAL.gameTopupParameters.path, { kind: 'general', handle: (h, b) => h.gameTopupParameters(b) }],
  ]);
  for (const version of ['v1', 'v2'] as const) {
    for (const family of ['prepaid', 'postpaid'] as const) {
      for (const stage of ['inquiry', 'payment'] as const) {
        endpoints.set(simulatorProductPath(version, family, stage), { kind: 'product', version, family, stage });
      }
    }
  }
  return endpoints;
}

/** Answers a request to the control interface under `/__simulator`. */
export type SimulatorControlHandler = (request: SimulatorRequest) => SimulatorReply;

/** Prefix of the control interface's paths. */
export const SIMULATOR_CONTROL_PREFIX = '/__simulator';

export function isSimulatorControlPath(path: string): boolean {
  return path === SIMULATOR_CONTROL_PREFIX || path.startsWith(`${SIMULATOR_CONTROL_PREFIX}/`);
}

/** HTTP in front of the handlers: gateway checks, authentication, body parsing, writing replies. */
export class SingapaySimulatorRouter {
  private readonly logger = new Logger('SingapaySimulator');
  private readonly endpoints = buildEndpoints();

  constructor(
    private readonly rt: SimulatorRuntime,
    private readonly tokens: SingapaySimulatorTokens,
    private readonly handlers: SingapaySimulatorHandlers,
    private readonly hook: SimulatorRequestHook = passThrough,
    private readonly control?: SimulatorControlHandler,
  ) {}

  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.handle(req, res);
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    if (rawBody === 'aborted') return;
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (rawBody === 'too-large') {
      res.setHeader('connection', 'close');
      write(res, statusEnvelopeReply(413, 'Request body too large'));
      return;
    }
    const request: SimulatorRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      clientIp: normaliseIp(req.socket.remoteAddress ?? ''),
      rawBody,
      endpoint: this.endpoints.get(path),
    };
    const state = this.rt.state();
    if (this.control && isSimulatorControlPath(path)) {
      // Kept out of the business counters and of the fault hook: a test's own bookkeeping must not change what it measures.
      state.controlRequests += 1;
      write(res, this.control(request));
      return;
    }
    state.countRequest(path);
    if (path === SIMULATOR_TOKEN_PATH) state.tokenRequests += 1;
    let reply: SimulatorReply | null;
    try {
      // Codes are printed (padded or not) before the hook sees the reply, so an answer a fault cuts short is printed alike.
      reply = await this.hook(
        request,
        () => this.printCode(this.respond(request)),
        res,
        (r) => this.printCode(r),
      );
      if (reply) reply = this.printCode(reply);
    } catch (error) {
      this.logger.error(`Unhandled error on ${request.method} ${path}: ${error instanceof Error ? error.message : 'unknown'}`);
      reply = statusEnvelopeReply(500, 'Internal Server Error');
    }
    if (reply && !res.headersSent && !res.destroyed) write(res, reply);
  }

  private printCode(reply: SimulatorReply): SimulatorReply {
    const codes = this.rt.options.variants.codes;
    return codes === 'padded' ? reply : { ...reply, body: withPrintedCode(reply.body, codes) };
  }

  private respond(request: SimulatorRequest): SimulatorReply {
    const { allowedIps, credentials } = this.rt.options;
    if (allowedIps && !allowedIps.map(normaliseIp).includes(request.clientIp)) {
      return statusEnvelopeReply(403, `Your IP address (${request.clientIp}) is not registered`);
    }
    const endpoint = request.endpoint;
    if (!endpoint) return statusEnvelopeReply(404, 'Not Found');
    if (request.method !== 'POST') return { ...statusEnvelopeReply(405, 'Method Not Allowed'), headers: { allow: 'POST' } };
    if (!sameSecret(header(request.headers, 'x-partner-id'), credentials.apiKey)) {
      return statusEnvelopeReply(403, 'Invalid X-PARTNER-ID');
    }
    if (!acceptsJson(request.headers.accept)) return statusEnvelopeReply(406, 'Not Acceptable: this API answers application/json');

    const authorization = header(request.headers, 'authorization') ?? '';
    if (endpoint.kind === 'token') {
      if (!this.validBasicAuth(authorization)) return statusEnvelopeReply(401, 'Invalid client ID or client secret');
    } else if (!authorization.startsWith('Bearer ') || !this.tokens.verify(authorization.slice(7).trim())) {
      return statusEnvelopeReply(401, 'Unauthorized merchant, please sign in');
    }

    const body = parseBody(request);
    if ('reply' in body) return body.reply;
    switch (endpoint.kind) {
      case 'token':
        return this.issueToken(body.value);
      case 'general':
        return endpoint.handle(this.handlers, body.value);
      default:
        return this.handlers.product(endpoint.version, endpoint.family, endpoint.stage, body.value);
    }
  }

  private issueToken(body: Body): SimulatorReply {
    if (body.grant_type !== SIMULATOR_GRANT_TYPE) {
      return statusEnvelopeReply(400, `The grant_type field must be ${SIMULATOR_GRANT_TYPE}`);
    }
    const issued = this.tokens.issue();
    this.rt.state().tokensIssued += 1;
    const data: Record<string, unknown> = { access_token: issued.accessToken, token_type: 'Bearer' };
    // expires_in is a string in every Singapay example; other hosts send a number; variants.expiresIn picks.
    const expiresIn = this.rt.options.variants.expiresIn;
    if (expiresIn !== 'missing') data.expires_in = expiresIn === 'number' ? issued.expiresInSeconds : String(issued.expiresInSeconds);
    return { status: 200, body: { status: 200, success: true, data } };
  }

  private validBasicAuth(authorization: string): boolean {
    if (!authorization.startsWith('Basic ')) return false;
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const { clientId, clientSecret } = this.rt.options.credentials;
    // Both compared, whatever the first gives, so timing says nothing about which was wrong.
    const idOk = sameSecret(decoded.slice(0, colon), clientId);
    const secretOk = sameSecret(decoded.slice(colon + 1), clientSecret);
    return idOk && secretOk;
  }
}

function parseBody(request: SimulatorRequest): { value: Body } | { reply: SimulatorReply } {
  if (request.rawBody.length === 0) return { value: {} };
  const mediaType = (header(request.headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  // Laravel reads a body as JSON only when it is labelled so; a client that forgets the label would pass here and fail there.
  if (mediaType !== 'application/json') return { reply: statusEnvelopeReply(415, 'Content-Type must be application/json') };
  let value: unknown;
  try {
    value = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return { reply: statusEnvelopeReply(400, 'Malformed JSON body') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reply: statusEnvelopeReply(400, 'The JSON body must be an object') };
  }
  return { value: value as Body };
}

/**
 * Whether an Accept header allows JSON. An absent header allows anything (as
 * HTTP says); `application/json`, `application/*` and `*\/*` allow it unless
 * their q is 0.
 */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return type === 'application/json' || type === 'application/*' || type === '*/*';
  });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function write(res: ServerResponse, reply: SimulatorReply): void {
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > SIMULATOR_BODY_LIMIT_BYTES) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > SIMULATOR_BODY_LIMIT_BYTES) {
        done = true;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    const abort = (): void => {
      if (done) return;
      done = true;
      resolve('aborted');
    };
    req.on('error', abort);
    // A client gone before the end of its body gets no answer.
    req.on('close', abort);
  });
}
