/**
 * The seed's bulk loader (seed/bulk-insert.ts): values arrive exactly as
 * given through COPY's text format; an empty table loads without its secondary
 * indexes and gets every one back, constraints enforced; a failed load leaves
 * the table and its indexes as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkLoader } from '../src/seed/bulk-insert';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** Every index and constraint of `table`, as PostgreSQL would recreate it. */
async function definitions(table: string): Promise<string[]> {
  const rows: { d: string }[] = await t.em().execute(
    `select indexdef as d from pg_indexes where tablename = ?
     union all select conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where conrelid = ?::regclass
     order by 1`,
    [table, table],
  );
  return rows.map((r) => r.d);
}

const trainee = (owner: string, n: number, nik: string, extra: Record<string, unknown> = {}) => ({
  id: `01990000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  owner_ministry_id: owner,
  nik,
  full_name: `Trainee ${n}`,
  sex: 'FEMALE',
  birth_date: '2000-01-01',
  origin_province_code: '35',
  origin_regency: null,
  phone: null,
  email: null,
  address: null,
  education_level: null,
  status: 'REGISTERED',
  ...extra,
});

/** Loads `rows` into `table` in one loader transaction; rolls back and rethrows on failure, as the seed does. */
async function load(table: string, ...batches: Record<string, unknown>[][]): Promise<void> {
  const loader = await BulkLoader.open(t.databaseUrl);
  try {
    for (const rows of batches) await loader.insert(table, rows);
    await loader.commit();
  } catch (e) {
    await loader.rollback();
    throw e;
  }
}

describe('the bulk loader', () => {
  it('writes every value exactly, awkward characters, empty strings and arrays included', async () => {
    const kemnaker = (await t.ministry('KEMNAKER')).id;
    const institution = '01990000-0000-7000-8000-0000000a0001';
    await load('institution', [
      {
        id: institution,
        owner_ministry_id: kemnaker,
        name: 'BLK\t"Tab", back\\slash\nline two\rend',
        type: 'TRAINING_CENTRE',
        province_code: '35',
        annual_capacity: 40,
        sectors: ['ICT', 'HEALTH'],
        regency: '',
        address: null,
        link_and_match: true,
        pmi_preparation: false,
        accreditation: null,
      },
    ]);
    await load('program', [
      {
        id: '01990000-0000-7000-8000-0000000b0001',
        owner_ministry_id: kemnaker,
        institution_id: institution,
        title: '\\N is not null here',
        sector: 'ICT',
        target_country_codes: ['', 'NULL', 'a,b', 'x y', 'q"t', 'b\\s', '{c}', null],
        capacity_per_intake: 20,
        start_date: '2025-11-03',
        end_date: '2026-05-29',
        status: 'OPEN',
      },
    ]);
    const [i] = await t.em().execute(`select name, sectors::text[] as sectors, regency, address, link_and_match from institution where id = ?`, [institution]);
    expect(i).toEqual({ name: 'BLK\t"Tab", back\\slash\nline two\rend', sectors: ['ICT', 'HEALTH'], regency: '', address: null, link_and_match: true });
    const [p] = await t.em().execute(`select title, target_country_codes from program where institution_id = ?`, [institution]);
    expect(p).toEqual({ title: '\\N is not null here', target_country_codes: ['', 'NULL', 'a,b', 'x y', 'q"t', 'b\\s', '{c}', null] });
  });

  it('gives an empty table back every index and constraint it set aside, and they hold', async () => {
    const owner = (await t.ministry('KEMENKES')).id;
    const before = await definitions('trainee');
    expect(before.join('\n')).toContain('trainee_owner_ministry_id_nik_unique UNIQUE (owner_ministry_id, nik)');
    expect(await t.em().execute('select 1 from trainee')).toHaveLength(0);
    // Two batches queued back to back: the second waits for the first's COPY. Empty ones before, between and
    // after (a generator's chunk may hold no rows: the bench seed's enrollments did) send nothing and do not fail.
    await load('trainee', [], [trainee(owner, 1, '3501014101000001'), trainee(owner, 2, '3501014101000002')], [], [trainee(owner, 3, '3501014101000003')], []);
    expect(await definitions('trainee')).toEqual(before);
    const [{ n }] = await t.em().execute(`select count(*)::int as n from trainee where owner_ministry_id = ?`, [owner]);
    expect(n).toBe(3);
    // Every rebuilt index is valid and ready, and the unique constraint is enforced.
    const [{ usable }] = await t.em().execute(`select bool_and(indisvalid and indisready) as usable from pg_index where indrelid = 'trainee'::regclass`);
    expect(usable).toBe(true);
    await expect(load('trainee', [trainee(owner, 4, '3501014101000001')])).rejects.toThrow(/trainee_owner_ministry_id_nik_unique/);
  });

  it('leaves an empty table and its indexes as they were when the load fails', async () => {
    const owner = (await t.ministry('KEMENTAN')).id;
    const before = await definitions('returnee_business');
    const row = (n: number, employees: unknown) => ({
      id: `01990000-0000-7000-8000-0000000c000${n}`,
      owner_ministry_id: owner,
      returnee_name: 'Siti',
      returnee_nik: `350101410190000${n}`,
      business_name: 'Warung',
      kbli_code: '56101',
      village_code: '3501012001',
      province_code: '35',
      employees,
    });
    // The second batch's COPY fails after the first has loaded (and the indexes were dropped).
    await expect(load('returnee_business', [row(1, 3)], [row(2, 'three')])).rejects.toThrow(/invalid input syntax for type integer/);
    expect(await definitions('returnee_business')).toEqual(before);
    expect(await t.em().execute('select 1 from returnee_business')).toHaveLength(0);
  });
});
