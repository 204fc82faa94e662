/**
 * `npm run bench:list`: a long list of trainees through GraphQL, in process —
 * the shape of the PostGraphile benchmark's Q2 (1,000 trainees × 5 fields,
 * personal fields among them) as the owner ministry's VIEWER, row-level
 * security on. Prints ms per request (sequential) and requests/s over a few
 * rounds, for the first page and for the 100th (keyset pagination: paging
 * deep should cost what the first page costs), so a change to the read path
 * can be measured before and after in one sitting.
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import pino from 'pino';
import { createApp } from '../src/app';
import { Role } from '../src/access/roles';
import { loadConfig } from '../src/config';
import { ensureAppLogin } from '../src/db/app-role';
import { ormOptions } from '../src/db/orm.config';
import { tokenWithOwnerRights } from '../src/db/owner-sessions';
import { systemEm } from '../src/db/seed/demo';
import { benchDatabase, median, rate, ROUND_MS, ROUNDS, runMain } from './bench-support';
import { Account } from '../src/modules/account/account.entity';
import { Ministry } from '../src/kernel/ministry.entity';

const page = (after?: string) => `{ trainees(first: 1000${after ? `, after: "${after}"` : ''}) { edges { node { id fullName nik birthDate sex } } } }`;
const QUERY = page();
/** Rows of the list: enough for a hundredth page of 1,000. */
const ROWS = 101_000;

async function main() {
  const db = await benchDatabase('sinergi_bench_list');
  const { url, owner } = db;
  try {
    const em = systemEm(owner);
    const target = await em.findOneOrFail(Ministry, { code: 'KEMNAKER' });
    await em.getConnection().execute('truncate trainee cascade');
    await em.getConnection().execute(
      `insert into trainee (id, owner_ministry_id, nik, full_name, sex, birth_date, origin_province_code, status)
       select gen_random_uuid(), ?::uuid, '3507' || lpad(g::text, 12, '0'), 'Person ' || g, 'FEMALE', date '1990-01-01' + (g % 3000), '35', 'REGISTERED'
         from generate_series(1, ${ROWS}) g`,
      [target.id],
    );
    await em.getConnection().execute('analyze trainee');
    const account = em.create(Account, {
      email: `bench-${Date.now()}@test.local`,
      displayName: 'Bench',
      passwordHash: 'x',
      role: Role.VIEWER,
      ministry: target,
    });
    await em.flush();
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'bench-secret' });
    const appOrm = await MikroORM.init(ormOptions(await ensureAppLogin(url)));
    const app = await createApp({ orm: appOrm, config, log: pino({ level: 'silent' }) });
    const token = await tokenWithOwnerRights(em, app.tokens, { id: account.id, ministryId: target.id, role: Role.VIEWER });
    // The cursor after 99 pages, as a client paging through would hold it.
    let after: string | undefined;
    for (let i = 0; i < 99; i++) {
      const res = await app.apollo.executeOperation(
        { query: `{ trainees(first: 1000${after ? `, after: "${after}"` : ''}) { pageInfo { endCursor } } }` },
        { contextValue: await app.context(`Bearer ${token}`) },
      );
      if (res.body.kind !== 'single' || res.body.singleResult.errors) throw new Error(JSON.stringify(res.body));
      after = (res.body.singleResult.data as { trainees: { pageInfo: { endCursor: string } } }).trainees.pageInfo.endCursor;
    }
    console.log(`trainees(first: 1000) × 5 fields of ${ROWS} rows, owner's VIEWER, RLS on, ${ROUNDS} rounds of ${ROUND_MS} ms`);
    const results: number[] = [];
    for (const [label, query] of [
      ['first page', QUERY],
      ['100th page (after the cursor of the 99th)', page(after)],
    ] as const) {
      await rate(app, token, query, 1000); // warm-up
      const rounds: number[] = [];
      for (let i = 0; i < ROUNDS; i++) rounds.push(await rate(app, token, query, ROUND_MS));
      const r = median(rounds);
      results.push(r);
      console.log(`${label}: ${r.toFixed(1)} req/s, ${(1000 / r).toFixed(1)} ms/request (rounds: ${rounds.map((x) => x.toFixed(1)).join(', ')})`);
    }
    console.log(`100th page / first page throughput: ${(results[1] / results[0]).toFixed(2)}`);
    await app.stop();
    await appOrm.close(true);
  } finally {
    await db.close();
  }
}

runMain(main);
