/** What the benchmark scripts share: a throw-away database, a caller and its apps, alternating rounds, medians. */
import { createApp, type App } from '../src/server/app';
import 'reflect-metadata';
import pino from 'pino';
import type { Role } from '../src/access/roles';
import { TokenService } from '../src/access/tokens';
import { DEFAULT_AUDIT_KEY, loadConfig, type Config } from '../src/config';
import { registerAuditKeyAt } from '../src/modules/audit/audit-key';
import { ensureAppLogin } from '../src/db/app-role';
import { tokenWithOwnerRights } from '../src/db/owner-sessions';
import type { Ministry } from '../src/data/ministry.entity';
import { Account } from '../src/modules/account/account.entity';
import { MikroORM } from '@mikro-orm/postgresql';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../src/startup/database';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { ormOptions } from '../src/startup/orm.config';
import { seedReference, systemEm } from '../src/seed/demo';

export const ROUND_MS = Number(process.env.ROUND_MS ?? 2000);
export const ROUNDS = Number(process.env.ROUNDS ?? 5);

/** A migrated database `name` on DATABASE_URL's server, or on an embedded one started for the run. */
export async function benchDatabase(name: string): Promise<{ url: string; owner: MikroORM; close(): Promise<void> }> {
  const cluster = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: path.join(os.tmpdir(), `sinergi-${name}-${process.pid}`), ephemeral: true });
  const base = process.env.DATABASE_URL ?? cluster!.url('postgres');
  await ensureDatabase(base, name);
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const owner = await MikroORM.init(ormOptions(url));
  await owner.getMigrator().up();
  await seedReference(owner);
  // The benchmarks' apps sign audit events with the development key: registered, as a server's start would.
  await registerAuditKeyAt(url, DEFAULT_AUDIT_KEY);
  return {
    url,
    owner,
    close: async () => {
      await owner.close(true);
      await cluster?.stop();
    },
  };
}

/** Runs `a` and `b` in alternating rounds (after a warm-up of each), so both see the same machine state. */
export async function alternate(a: (ms: number) => Promise<number>, b: (ms: number) => Promise<number>): Promise<{ a: number[]; b: number[] }> {
  // Long enough for the JIT to settle: shorter warm-ups left the first rounds visibly slower.
  await a(3000);
  await b(3000);
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    out.a.push(await a(ROUND_MS));
    out.b.push(await b(ROUND_MS));
  }
  return out;
}

export const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

export function runMain(main: () => Promise<void>): void {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/** One operation as the holder of `token`, in its own request context; its data, or a thrown error. */
export async function run(app: App, token: string, query: string): Promise<Record<string, unknown>> {
  const res = await app.apollo.executeOperation({ query }, { contextValue: await app.context(`Bearer ${token}`) });
  if (res.body.kind !== 'single' || res.body.singleResult.errors) throw new Error(JSON.stringify(res.body));
  return res.body.singleResult.data as Record<string, unknown>;
}

/** Requests/s of one GraphQL operation, sent one after another for `ms`, each in its own request context. */
export async function rate(app: App, token: string, query: string, ms: number): Promise<number> {
  let n = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await run(app, token, query);
    n++;
  }
  return (n * 1000) / ms;
}

export interface BenchCaller {
  token: string;
  /** The apps' configuration (a test configuration): `app({ config: { ...caller.config, … } })` changes a setting. */
  config: Config;
  /** An app on the unprivileged role (row-level security on) unless `opts` say otherwise, all with one configuration. */
  app(opts?: Partial<Parameters<typeof createApp>[0]>): Promise<App>;
  /** Stops every app made, and their connection pool. */
  close(): Promise<void>;
}

/** A new account of `role` in `ministry` with a token, and apps to call as it. */
export async function benchCaller(db: { url: string; owner: MikroORM }, ministry: Ministry, role: Role): Promise<BenchCaller> {
  const em = systemEm(db.owner);
  const account = em.create(Account, { email: `bench-${Date.now()}@test.local`, displayName: 'Bench', passwordHash: 'x', role, ministry });
  await em.flush();
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'bench-secret' });
  const log = pino({ level: 'silent' });
  const appOrm = await MikroORM.init(ormOptions(await ensureAppLogin(db.url)));
  const token = await tokenWithOwnerRights(em, new TokenService(config.jwtSecret, config.jwtTtl), { id: account.id, ministryId: ministry.id, role });
  const apps: App[] = [];
  return {
    token,
    config,
    async app(opts = {}) {
      const app = await createApp({ orm: appOrm, config, log, ...opts });
      apps.push(app);
      return app;
    },
    async close() {
      for (const app of apps) await app.stop();
      await appOrm.close(true);
    },
  };
}

/** Requests/s of `query`, median of ROUNDS rounds after a warm-up, printed under `label`. */
export async function measure(app: App, token: string, label: string, query: string): Promise<number> {
  await rate(app, token, query, 1000); // warm-up
  const rounds: number[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await rate(app, token, query, ROUND_MS));
  const r = median(rounds);
  console.log(`${label}: ${r.toFixed(1)} req/s, ${(1000 / r).toFixed(2)} ms/request (rounds: ${rounds.map((x) => x.toFixed(1)).join(', ')})`);
  return r;
}
