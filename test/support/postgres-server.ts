import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

/** The newest PostgreSQL server binaries of Debian's layout (`/usr/lib/postgresql/<major>/bin`), if any. */
export const postgresBinDir: string | undefined = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin/initdb')) && existsSync(join(root, v, 'bin/postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
})();

export const postgresAvailable = postgresBinDir !== undefined;

/** CI sets this: there a missing PostgreSQL is a failure, not a skip. */
export const postgresRequired = process.env.SINGAPAY_REQUIRE_POSTGRES === '1';

export interface TestPostgres {
  /** `postgres://singapay:<password>@127.0.0.1:<port>/<database>`: a password-protected TCP login. */
  url: string;
  port: number;
  password: string;
  /** The URL of another database of this server (created with `createDatabase`). */
  urlFor(database: string, params?: Record<string, string>): string;
  /** A pool on the server, closed by `stop()`. */
  pool(database?: string, config?: pg.PoolConfig): pg.Pool;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  createDatabase(name: string): Promise<string>;
  /** Sets a server setting that a reload applies (`fsync`, `synchronous_commit`…), for the whole server, until set again. */
  setting(name: string, value: string): Promise<void>;
  /** Stops the server (fast shutdown) and starts it again on the same data and port. */
  restart(): Promise<void>;
  /** Stops the server, leaving the data in place (`start()` brings it back). */
  halt(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root: as root, the server runs as Debian's `postgres`
 * user, or as a system user made for it when that one is missing.
 */
function unprivilegedUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = (name: string): RunAs | undefined => {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    if (!line) return undefined;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  };
  const found = lookup('postgres') ?? lookup('singapay-pg');
  if (found) return found;
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'singapay-pg'], { stdio: 'pipe' });
  const user = lookup('singapay-pg');
  if (!user)
    throw new Error(
      `running as root and no unprivileged user for PostgreSQL: useradd failed (${made.stderr?.toString().trim() || made.status})`,
    );
  return user;
}

/** A base directory the unprivileged user can traverse. */
function tempBase(): string {
  const base = tmpdir();
  try {
    return (statSync(base).mode & 0o001) !== 0 ? base : '/tmp';
  } catch {
    return '/tmp';
  }
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  // A crashed test run must not leave servers behind.
  for (const proc of running) proc.kill('SIGKILL');
});

/**
 * Starts a throw-away PostgreSQL cluster: initdb into a temporary directory, the
 * server on a free 127.0.0.1 port with its unix socket in that directory, fsync off (see `setting`).
 * TCP logins need the password (scram-sha-256), as a production server's would.
 */
export async function startPostgres(): Promise<TestPostgres> {
  if (!postgresBinDir) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  const bin = postgresBinDir;
  const runAs = unprivilegedUser();
  const dir = mkdtempSync(join(tempBase(), 'singapay-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(dir, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
  }
  const asUser = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  const init = spawnSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'singapay',
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '-N',
    ],
    { cwd: dir, env, stdio: 'pipe', ...asUser },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr?.toString().trim()}`);
  }
  rmSync(pwfile, { force: true });
  // Speed over durability for a throw-away server, in postgresql.conf rather than on the command
  // line, so that a test can change them (ALTER SYSTEM and a reload: see setting()).
  appendFileSync(join(data, 'postgresql.conf'), '\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n');
  const port = await freePort();
  const logFile = join(dir, 'server.log');
  let proc: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const log = openSync(logFile, 'a');
    if (runAs) chownSync(logFile, runAs.uid, runAs.gid);
    const child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=32MB',
      ],
      { cwd: dir, env, stdio: ['ignore', log, log], ...asUser },
    );
    closeSync(log);
    running.add(child);
    child.once('exit', () => running.delete(child));
    proc = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`postgres exited (${code}): ${readFileSync(logFile, 'utf8').slice(-2_000)}`))),
    );
    exited.catch(() => undefined);
    for (let i = 0; ; i++) {
      const client = new pg.Client({
        host: '127.0.0.1',
        port,
        user: 'singapay',
        password,
        database: 'postgres',
        connectionTimeoutMillis: 1_000,
      });
      client.on('error', () => undefined);
      try {
        await Promise.race([client.connect(), exited]);
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (child.exitCode !== null || child.signalCode !== null || i > 150) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const halt = async (): Promise<void> => {
    const child = proc;
    proc = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    // SIGINT is PostgreSQL's fast shutdown: it ends sessions and writes a checkpoint.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (error) {
    await halt();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const pools: pg.Pool[] = [];
  const urlFor = (database: string, params: Record<string, string> = {}) => {
    const query = new URLSearchParams(params).toString();
    return `postgres://singapay:${password}@127.0.0.1:${port}/${database}${query ? `?${query}` : ''}`;
  };
  let admin: pg.Pool | undefined;
  const pool = (database = 'postgres', config: pg.PoolConfig = {}) => {
    const p = new pg.Pool({ host: '127.0.0.1', port, user: 'singapay', password, database, max: 10, ...config });
    p.on('error', () => undefined);
    pools.push(p);
    return p;
  };
  return {
    url: urlFor('postgres'),
    port,
    password,
    urlFor,
    pool,
    query: (sql, values) => (admin ??= pool()).query(sql, values),
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      await (admin ??= pool()).query(`CREATE DATABASE ${name}`);
      return urlFor(name);
    },
    async setting(name, value) {
      if (!/^[a-z_]+$/.test(name) || !/^[a-z0-9_]+$/.test(value)) throw new Error(`bad setting ${name}=${value}`);
      const admin = pool();
      try {
        await admin.query(`ALTER SYSTEM SET ${name} = '${value}'`);
        await admin.query('SELECT pg_reload_conf()');
        // The reload reaches each backend at its next command: wait until a new session sees it.
        for (let i = 0; i < 100; i++) {
          const fresh = pool('postgres', { max: 1 });
          const { rows } = await fresh.query<{ v: string }>('SELECT current_setting($1) AS v', [name]);
          await fresh.end();
          if (rows[0]?.v === value) return;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`${name} did not become ${value}`);
      } finally {
        await admin.end().catch(() => undefined);
      }
    },
    async restart() {
      await halt();
      await start();
    },
    halt,
    start,
    async stop() {
      await Promise.all(pools.splice(0).map((p) => p.end().catch(() => undefined)));
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
