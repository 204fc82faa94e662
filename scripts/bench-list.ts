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
import { Role } from '../src/access/roles';
import { systemEm } from '../src/seed/demo';
import { benchCaller, benchDatabase, measure, ROUND_MS, ROUNDS, run, runMain } from './bench-support';
import { Ministry } from '../src/data/ministry.entity';

const page = (after?: string) => `{ trainees(first: 1000${after ? `, after: "${after}"` : ''}) { edges { node { id fullName nik birthDate sex } } } }`;
const QUERY = page();
/** Rows of the list: enough for a hundredth page of 1,000. */
const ROWS = 101_000;

async function main() {
  const db = await benchDatabase('sinergi_bench_list');
  const { owner } = db;
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
    const caller = await benchCaller(db, target, Role.VIEWER);
    const app = await caller.app();
    const { token } = caller;
    // The cursor after 99 pages, as a client paging through would hold it.
    let after: string | undefined;
    for (let i = 0; i < 99; i++) {
      const data = (await run(app, token, `{ trainees(first: 1000${after ? `, after: "${after}"` : ''}) { pageInfo { endCursor } } }`)) as {
        trainees: { pageInfo: { endCursor: string } };
      };
      after = data.trainees.pageInfo.endCursor;
    }
    console.log(`trainees(first: 1000) × 5 fields of ${ROWS} rows, owner's VIEWER, RLS on, ${ROUNDS} rounds of ${ROUND_MS} ms`);
    const first = await measure(app, token, 'first page', QUERY);
    const deep = await measure(app, token, '100th page (after the cursor of the 99th)', page(after));
    console.log(`100th page / first page throughput: ${(deep / first).toFixed(2)}`);
    await caller.close();
  } finally {
    await db.close();
  }
}

runMain(main);
