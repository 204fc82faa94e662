/** What the benchmark scripts share: a throw-away database, alternating rounds, medians. */
import type { App } from '../src/app';
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../src/db/database';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { ormOptions } from '../src/db/orm.config';
import { seedReference } from '../src/db/seed/demo';

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

/** Requests/s of one GraphQL operation, sent one after another for `ms`, each in its own request context. */
export async function rate(app: App, token: string, query: string, ms: number): Promise<number> {
  let n = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const res = await app.apollo.executeOperation({ query }, { contextValue: await app.context(`Bearer ${token}`) });
    if (res.body.kind !== 'single' || res.body.singleResult.errors) throw new Error(JSON.stringify(res.body));
    n++;
  }
  return (n * 1000) / ms;
}
