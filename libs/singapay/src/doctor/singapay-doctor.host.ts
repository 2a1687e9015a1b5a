import { lookup } from 'node:dns/promises';
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { SINGAPAY_ENV_VARS as V } from '../config/singapay.config.js';
import type { SingapayDoctorCheck } from './singapay-doctor.advice.js';

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
};

const codeOf = (error: unknown): string =>
  typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'error';

/**
 * The proxy axios would use for `url` (it honours HTTP(S)_PROXY and NO_PROXY), if any.
 * Only its protocol, host and port are kept: a proxy URL may carry a password.
 */
export function singapayProxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): { url: URL; variable: string } | undefined {
  const names = url.protocol === 'https:' ? ['HTTPS_PROXY', 'https_proxy'] : ['HTTP_PROXY', 'http_proxy'];
  const variable = names.find((n) => env[n]?.trim());
  if (!variable) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(/[\s,]+/).filter(Boolean);
  const host = url.hostname.toLowerCase();
  if (
    noProxy.some(
      (entry) =>
        entry === '*' ||
        host === entry.replace(/^\*?\./, '') ||
        host.endsWith(entry.startsWith('.') ? entry : `.${entry.replace(/^\*\./, '')}`),
    )
  ) {
    return undefined;
  }
  const raw = env[variable]!.trim();
  const parsed = URL.canParse(raw) ? new URL(raw) : URL.canParse(`http://${raw}`) ? new URL(`http://${raw}`) : undefined;
  return parsed ? { url: new URL(`${parsed.protocol}//${parsed.host}`), variable } : undefined;
}

/**
 * DNS, then a TCP connection (and a TLS handshake for https) to the base URL's
 * host and port, or to the proxy when HTTP(S)_PROXY applies. Sends no HTTP request.
 */
export async function checkSingapayHost(baseUrl: string, timeoutMs: number): Promise<SingapayDoctorCheck> {
  const target = new URL(baseUrl);
  const proxy = singapayProxyFor(target);
  const check = await checkEndpoint(proxy ? proxy.url : target, timeoutMs, proxy?.variable);
  if (!proxy) return check;
  return {
    ...check,
    summary: `through the proxy of ${proxy.variable}: ${check.summary} (${target.hostname} itself is resolved by the proxy)`,
  };
}

/** `url` is Singapay's, or with `proxyVariable` the proxy's. */
async function checkEndpoint(url: URL, timeoutMs: number, proxyVariable?: string): Promise<SingapayDoctorCheck> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));

  let addresses = [host];
  if (!isIP(host)) {
    try {
      addresses = (await withTimeout(lookup(host, { all: true }), timeoutMs, 'DNS lookup')).map((a) => a.address);
    } catch (error) {
      const code = codeOf(error);
      return {
        status: 'fail',
        summary: `${host} could not be resolved (${code})`,
        fixes: [
          code === 'ENOTFOUND'
            ? `check the host: it comes from ${proxyVariable ?? `${V.environment}, or from ${V.baseUrl} if set`}; a typo there is the usual cause`
            : "the DNS server did not answer: check this machine's DNS settings and network",
        ],
      };
    }
  }

  const started = Date.now();
  let socket: Socket | TLSSocket | undefined;
  try {
    const protocol = await withTimeout(
      new Promise<string>((resolve, reject) => {
        const s = secure ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host }) : tcpConnect({ host, port });
        socket = s;
        s.once(secure ? 'secureConnect' : 'connect', () => resolve(secure ? ((s as TLSSocket).getProtocol() ?? 'TLS') : 'TCP'));
        s.once('error', reject);
      }),
      timeoutMs,
      'connection',
    );
    return {
      status: 'pass',
      summary: `${host}:${port} (${addresses.join(', ')}) answered, ${protocol} in ${Date.now() - started} ms`,
      fixes: [],
    };
  } catch (error) {
    const code = codeOf(error);
    const fixes =
      code === 'ETIMEDOUT'
        ? [
            `nothing answered on ${host}:${port}: a firewall may drop outgoing connections to port ${port}: allow them (if this network goes out through a proxy only, set HTTPS_PROXY, which the module's HTTP client honours)`,
          ]
        : code === 'ECONNREFUSED'
          ? [`${host}:${port} refused the connection: check ${proxyVariable ?? V.baseUrl} (is the port right? is the service running?)`]
          : /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)
            ? [`the TLS certificate of ${host} is not trusted (${code}): a proxy that intercepts TLS? Add its CA with NODE_EXTRA_CA_CERTS`]
            : [`the connection to ${host}:${port} failed (${code}): check the network between this machine and Singapay`];
    return { status: 'fail', summary: `${host}:${port} (${addresses.join(', ')}) could not be reached (${code})`, fixes };
  } finally {
    (socket as Socket | undefined)?.destroy();
  }
}
