/**
 * `npm run bench:nested`: a nested read through GraphQL, in process — the
 * shape of the PostGraphile benchmark's Q1 (20 institutions × first 3
 * programmes × enrollment `totalCount`) and Q3 (one trainee → enrollments →
 * programme → institution) as the owner ministry's VIEWER, row-level security
 * on. Prints ms per request (sequential) over a few rounds, and the SQL
 * statements each request sends.
 */
import 'reflect-metadata';
import { Role } from '../src/access/roles';
import { systemEm } from '../src/seed/demo';
import { toGlobalId } from '../src/shared/global-id';
import { benchCaller, benchDatabase, measure, runMain } from './bench-support';
import { Ministry } from '../src/data/ministry.entity';

const Q1 =
  '{ institutions(first: 20) { edges { node { id name provinceCode programs(first: 3) { edges { node { id title sector enrollments { totalCount } } } } } } } }';
const q3 = (trainee: string) =>
  `{ node(id: "${toGlobalId('Trainee', trainee)}") { ... on Trainee { id nik fullName enrollments { edges { node { id status program { title institution { name } } } } } } } }`;

async function main() {
  const db = await benchDatabase('sinergi_bench_nested');
  const { owner } = db;
  try {
    const em = systemEm(owner);
    const target = await em.findOneOrFail(Ministry, { code: 'KEMNAKER' });
    const sql = (text: string) => em.getConnection().execute(text, [target.id]);
    // 2,000 institutions × 3 programmes, 6,000 trainees with 2 enrollments each: the bench data's proportions.
    await sql(`insert into institution (id, owner_ministry_id, name, type, province_code, annual_capacity, sectors)
      select gen_random_uuid(), ?::uuid, 'Institution ' || g, 'TRAINING_CENTRE', '35', 100, '{TOURISM}' from generate_series(1, 2000) g`);
    await sql(`insert into program (id, owner_ministry_id, institution_id, title, sector, target_country_codes, capacity_per_intake)
      select gen_random_uuid(), ?::uuid, i.id, 'Programme ' || g, 'TOURISM', '{JP}', 1000 from institution i, generate_series(1, 3) g`);
    await sql(`insert into trainee (id, owner_ministry_id, nik, full_name, sex, birth_date, origin_province_code, status)
      select gen_random_uuid(), ?::uuid, '3507' || lpad(g::text, 12, '0'), 'Person ' || g, 'FEMALE', date '1990-01-01' + (g % 3000), '35', 'REGISTERED'
        from generate_series(1, 6000) g`);
    await sql(`insert into enrollment (id, owner_ministry_id, trainee_id, program_id)
      select gen_random_uuid(), ?::uuid, t.id, p.id
        from (select id, row_number() over (order by id) n from trainee) t
        join (select id, row_number() over (order by id) n from program) p on p.n in (t.n, t.n + 6000)`);
    await em.getConnection().execute('analyze');
    const [{ id: trainee }] = await em.getConnection().execute<{ id: string }[]>('select trainee_id as id from enrollment order by trainee_id limit 1');
    const caller = await benchCaller(db, target, Role.VIEWER);
    const app = await caller.app();
    await measure(app, caller.token, 'Q1 20 institutions × 3 programmes × enrollment totalCount', Q1);
    await measure(app, caller.token, 'Q3 trainee → enrollments → programme → institution', q3(trainee));
    await caller.close();
  } finally {
    await db.close();
  }
}

runMain(main);
