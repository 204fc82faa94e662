/**
 * Sinergi server processes for tests that need more than one process, or a
 * database path of their own (Redis, PgBouncer, replicas): `src/server/server.ts`
 * under tsx on a given database, without demo data, stopped after the file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';

const root = path.resolve(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

export interface ServerProcess {
  /** The GraphQL endpoint. */
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a server on `databaseUrl` with these settings; resolves once it listens. */
export function startServerProcess(env: Record<string, string | undefined>): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['src/server/server.ts'], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'development', PORT: '0', SEED_DEMO: 'false', LOG_LEVEL: 'warn', ...env },
    });
    let out = '';
    const stop = () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
    child.stdout.on('data', (c) => {
      out += c;
      const m = /Graphi?QL at (\S+)/.exec(out);
      if (m) resolve({ url: m[1], child, output: () => out, stop });
    });
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

/** POSTs an operation; the parsed answer. */
export async function post(
  url: string,
  body: unknown,
  token?: string | null,
): Promise<{ status: number; data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

/** Whether a Redis answers at `url` (tests that need one skip, saying why, where none does). */
export async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const ok = await probe
    .connect()
    .then(() => probe.ping())
    .then(
      () => true,
      () => false,
    );
  probe.disconnect();
  return ok;
}
