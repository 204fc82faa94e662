/**
 * `npm run bench:list`: a long list of trainees through GraphQL, in process —
 * the shape of the PostGraphile benchmark's Q2 (1,000 trainees × 5 fields,
 * personal fields among them) as the owner ministry's VIEWER, row-level
 * security on. Prints ms per request (sequential) and requests/s over a few
 * rounds, so a change to the read path can be measured before and after in
 * one sitting.
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

const QUERY = '{ trainees(first: 1000) { edges { node { id fullName nik birthDate sex } } } }';

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
         from generate_series(1, 5000) g`,
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
    await rate(app, token, QUERY, 1000); // warm-up
    const rounds: number[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await rate(app, token, QUERY, ROUND_MS));
    const r = median(rounds);
    console.log(`trainees(first: 1000) × 5 fields, owner's VIEWER, RLS on, ${ROUNDS} rounds of ${ROUND_MS} ms`);
    console.log(`${r.toFixed(1)} req/s, ${(1000 / r).toFixed(1)} ms/request (rounds: ${rounds.map((x) => x.toFixed(1)).join(', ')})`);
    await app.stop();
    await appOrm.close(true);
  } finally {
    await db.close();
  }
}

runMain(main);
