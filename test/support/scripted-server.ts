import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export type ScriptedHandler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

/**
 * A throw-away HTTP server on 127.0.0.1:0 for answers the simulator does not
 * give (odd envelopes, broken connections). It records every request.
 */
export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  private handler: ScriptedHandler = (_req, res) => json(res, 500, { error: 'no handler' });

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<ScriptedServer> {
    const ref: { self?: ScriptedServer } = {};
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json: parsed };
        ref.self!.requests.push(recorded);
        void Promise.resolve(ref.self!.handler(recorded, res)).catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    ref.self = new ScriptedServer(server, `http://127.0.0.1:${port}`);
    return ref.self;
  }

  handle(handler: ScriptedHandler): this {
    this.handler = handler;
    return this;
  }

  /** Requests to paths other than the token endpoint. */
  businessRequests(): RecordedRequest[] {
    return this.requests.filter((r) => !r.path.includes('access-token'));
  }

  tokenRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes('access-token'));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function tokenAnswer(res: http.ServerResponse, accessToken = 'test-access-token', expiresIn: unknown = '3600'): void {
  json(res, 200, { status: 200, success: true, data: { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn } });
}
