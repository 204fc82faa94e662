/**
 * `npm run bench:scale`: does cost follow the page or the table? The
 * PostGraphile benchmark's four reads (Q1 nested, Q2 a page of 1,000
 * trainees, Q3 one trainee with its enrollments, Q4 Q2 with `totalCount`), in
 * process, as Kemendikdasmen's EDITOR (row-level security on), on the bench
 * data set and on ten times its people (`--scale bench10`: 3.2 million
 * trainees), each in a throw-away database. Prints req/s (sequential) at each
 * size and their ratio. All four should hold: Q4's unfiltered `totalCount`
 * is a sum of the row counts kept per ministry (data/row-counts.ts), not a
 * scan of the scope. Seeding ten times the data takes about 3 minutes.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { Role } from '../src/access/roles';
import { seedDemo, systemEm } from '../src/seed/demo';
import { Ministry } from '../src/data/ministry.entity';
import { toGlobalId } from '../src/shared/global-id';
import { benchCaller, benchDatabase, measure, runMain } from './bench-support';

const QUERIES: [string, (trainee: string) => string][] = [
  [
    'Q1 20 institutions × 3 programmes × enrollment totalCount',
    () =>
      '{ institutions(first: 20) { edges { node { id name provinceCode programs(first: 3) { edges { node { id title sector enrollments { totalCount } } } } } } } }',
  ],
  ['Q2 1,000 trainees × 5 fields', () => '{ trainees(first: 1000) { edges { node { id nik fullName birthDate originProvinceCode } } } }'],
  [
    'Q3 trainee → enrollments → programme → institution',
    (t) =>
      `{ node(id: "${toGlobalId('Trainee', t)}") { ... on Trainee { id nik fullName enrollments { edges { node { id status program { title institution { name } } } } } } } }`,
  ],
  ['Q4 Q2 + totalCount', () => '{ trainees(first: 1000) { totalCount edges { node { id nik fullName birthDate originProvinceCode } } } }'],
];

async function atScale(scale: 'bench' | 'bench10'): Promise<number[]> {
  const name = `sinergi_bench_scale_${scale}`;
  // On a server of your own (DATABASE_URL), a previous run's database goes first: the seed wants an empty one.
  if (process.env.DATABASE_URL) {
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists "${name}" with (force)`).finally(() => admin.end());
  }
  const db = await benchDatabase(name);
  try {
    const started = Date.now();
    await seedDemo(db.owner, { scale });
    const em = systemEm(db.owner);
    // As on a settled database (and as the PostGraphile benchmark prepares its own): visibility map set, statistics fresh.
    await em.getConnection().execute('vacuum (analyze)');
    const [{ n }] = await em.getConnection().execute<{ n: string }[]>('select count(*) as n from trainee');
    console.log(`\n${scale}: ${Number(n).toLocaleString('en')} trainees, seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const ministry = await em.findOneOrFail(Ministry, { code: 'KEMENDIKDASMEN' });
    const [{ id: trainee }] = await em
      .getConnection()
      .execute<{ id: string }[]>('select trainee_id as id from enrollment where owner_ministry_id = ? group by 1 having count(*) = 2 order by 1 limit 1', [
        ministry.id,
      ]);
    const caller = await benchCaller(db, ministry, Role.EDITOR);
    const app = await caller.app();
    const rates: number[] = [];
    for (const [label, query] of QUERIES) rates.push(await measure(app, caller.token, label, query(trainee)));
    await caller.close();
    return rates;
  } finally {
    await db.close();
  }
}

async function main() {
  const one = await atScale('bench');
  const ten = await atScale('bench10');
  console.log('\nten times the people, throughput against the bench size:');
  QUERIES.forEach(([label], i) => console.log(`${label}: ${(ten[i] / one[i]).toFixed(2)}×`));
}

runMain(main);
