import { Logger } from '@nestjs/common';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { businessReply, responseTextFor, statusEnvelopeReply, type SimulatorReply } from './simulator-envelopes.js';
import type { SingapaySimulatorFault, SingapaySimulatorFaults } from './simulator-faults.js';
import type { SimulatorRequest, SimulatorRequestHook } from './simulator-router.js';

const TOKEN_FAILURE_MESSAGES: Readonly<Record<number, string>> = {
  401: 'Invalid client ID or client secret',
  403: 'Invalid X-PARTNER-ID',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Code of the envelope cut by a `truncated` fault that is not applied. Only
 * its first half is sent, so its content hardly matters; 05 (deadline
 * exceeded) is what a reader that salvages the code should find.
 */
const UNAPPLIED_TRUNCATED_CODE = '05';

/**
 * The request hook that carries out `sim.faults`: picks the rule (if any) for
 * each business request and shapes, delays, cuts or drops its answer.
 */
export class SingapaySimulatorFaultInjector {
  private readonly logger = new Logger('SingapaySimulator');
  /** Wake-ups of pending delays and hangs; `shutdown()` runs them so `stop()` leaves no timer behind. */
  readonly #waiters = new Set<() => void>();
  #stopped = false;

  constructor(private readonly faults: SingapaySimulatorFaults) {}

  readonly hook: SimulatorRequestHook = async (request, proceed, response, print) => {
    const picked = this.faults.pick({ path: request.path, body: jsonObject(request.rawBody) });
    if (!picked) return proceed();
    this.logger.debug(`Fault ${picked.id} (${picked.fault.kind}) on ${request.method} ${request.path}`);
    return this.inject(picked.fault, request, proceed, response, print);
  };

  /** Ends every pending delay and hang without processing anything more. */
  shutdown(): void {
    this.#stopped = true;
    for (const wake of [...this.#waiters]) wake();
    this.#waiters.clear();
  }

  private async inject(
    fault: SingapaySimulatorFault,
    request: SimulatorRequest,
    proceed: () => SimulatorReply,
    response: ServerResponse,
    print: (reply: SimulatorReply) => SimulatorReply,
  ): Promise<SimulatorReply | null> {
    switch (fault.kind) {
      case 'latency': {
        if (fault.processFirst) {
          const reply = proceed();
          return (await this.sleep(fault.ms)) ? reply : null;
        }
        // A client that gave up during the delay does not stop the processing: a slow upstream finishes its work anyway.
        return (await this.sleep(fault.ms)) ? proceed() : null;
      }
      case 'hang':
        if (fault.apply) proceed();
        await this.untilClosed(response);
        return null;
      case 'resetBeforeApply':
        resetConnection(response);
        return null;
      case 'resetAfterApply':
        proceed();
        resetConnection(response);
        return null;
      case 'html': {
        if (fault.apply) proceed();
        const status = fault.status ?? 502;
        writeRaw(response, status, { 'content-type': 'text/html', server: 'nginx' }, nginxPage(status));
        return null;
      }
      case 'truncated': {
        const reply =
          fault.apply === false
            ? print(businessReply(commandOf(request), UNAPPLIED_TRUNCATED_CODE, responseTextFor(UNAPPLIED_TRUNCATED_CODE)))
            : proceed();
        const payload = Buffer.from(JSON.stringify(reply.body));
        const cut = payload.subarray(0, Math.max(1, Math.floor(payload.length / 2)));
        writeRaw(response, reply.status, { ...reply.headers, 'content-type': 'application/json' }, cut);
        return null;
      }
      case 'code': {
        if (fault.apply) proceed();
        const reply = businessReply(commandOf(request), fault.code, responseTextFor(fault.code));
        return fault.httpStatus === undefined ? reply : { ...reply, status: fault.httpStatus };
      }
      case 'tokenFailure':
        return statusEnvelopeReply(fault.status, fault.message ?? TOKEN_FAILURE_MESSAGES[fault.status]);
      case 'status': {
        if (fault.apply) proceed();
        const text = typeof fault.body === 'string';
        const body = fault.body === undefined ? '' : text ? (fault.body as string) : JSON.stringify(fault.body);
        const contentType: Record<string, string> =
          fault.body === undefined ? {} : { 'content-type': text ? 'text/plain' : 'application/json' };
        writeRaw(response, fault.httpStatus, { ...contentType, ...fault.headers }, Buffer.from(body));
        return null;
      }
    }
  }

  /** True once `ms` passed; false when the simulator stopped first. */
  private sleep(ms: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(!this.#stopped);
      }, ms);
      this.#waiters.add(wake);
    });
  }

  /** Resolves when the connection closes (the client left or `stop()` closed it). */
  private untilClosed(response: ServerResponse): Promise<void> {
    if (this.#stopped || response.destroyed || response.socket?.destroyed !== false) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        response.off('close', done);
        resolve();
      };
      response.once('close', done);
      this.#waiters.add(done);
    });
  }
}

/** A TCP reset rather than a clean close, as a crashed proxy or a dropped NAT entry gives. */
function resetConnection(response: ServerResponse): void {
  const socket = response.socket;
  if (socket && !socket.destroyed) socket.resetAndDestroy();
  else response.destroy();
}

function writeRaw(response: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { ...headers, 'content-length': body.length });
  response.end(body);
}

function nginxPage(status: number): Buffer {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return Buffer.from(
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  );
}

function jsonObject(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `command` to echo in a forced envelope: what the client sent, when it sent one. */
function commandOf(request: SimulatorRequest): unknown {
  const command = jsonObject(request.rawBody)?.command;
  return typeof command === 'string' ? command : null;
}
