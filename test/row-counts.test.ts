/**
 * The per-owner row counts behind an unfiltered list's `totalCount`
 * (migration `row_counts`, data/row-counts.ts): they follow every way rows
 * come and go, they answer only for ministries the caller reads, and the app
 * role can neither read nor rewrite them.
 */
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appUrl } from '../src/db/app-role';
import { BulkLoader } from '../src/seed/bulk-insert';
import { OWNED_RESOURCES } from '../src/modules';
import { ResourceType } from '../src/shared/enums';
import * as f from './support/factories';
import { expectOk } from './support/expect';
import * as ops from './generated/graphql';
import { Role, startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [kemnaker, kesdm] = [await t.ministry('KEMNAKER'), await t.ministry('KESDM')];
  await f.ministryWorld(em, kemnaker);
  await f.ministryWorld(em, kesdm);
  await f.signedMou(em, kemnaker, kesdm, [{ provider: kemnaker, recipient: kesdm, resources: [ResourceType.INSTITUTION], personal: false }]);
});
afterAll(() => t.close());

/** Every kept count against `count(*)` per owner, for every counted table. */
async function expectCountsTrue(): Promise<void> {
  for (const table of COUNTED_TABLES) {
    const kept = await t.em().execute(`select ministry_id as m, n::int as n from owned_row_count where table_name = ? and n <> 0 order by 1`, [table]);
    const real = await t.em().execute(`select owner_ministry_id as m, count(*)::int as n from "${table}" group by 1 order by 1`);
    expect(kept, table).toEqual(real);
  }
}

/** The tables the declarations say are counted. */
const COUNTED_TABLES = OWNED_RESOURCES.flatMap((r) => (r.owned?.counted ? [r.owned.table] : []));

describe('row counts per owner', () => {
  it('are kept for every owned table but the MoU, by the triggers of each', async () => {
    expect([...COUNTED_TABLES].sort()).toEqual(
      OWNED_RESOURCES.map((r) => r.owned!.table)
        .filter((table) => table !== 'mou')
        .sort(),
    );
    const triggers: { table: string; name: string }[] = await t
      .em()
      .execute(
        `select c.relname as table, g.tgname as name from pg_trigger g join pg_class c on c.oid = g.tgrelid where g.tgname like 'count\\_%' order by 1, 2`,
      );
    for (const table of COUNTED_TABLES)
      expect(
        triggers.filter((g) => g.table === table).map((g) => g.name),
        table,
      ).toEqual(['count_deleted', 'count_inserted', 'count_moved', 'count_truncated']);
    await expectCountsTrue();
  });

  it('follow creates and deletes through the API, a rolled-back transaction, a bulk insert, an owner change and a truncate', async () => {
    const editor = await t.as(Role.EDITOR, 'KEMNAKER');
    const created = expectOk(
      await editor.exec(ops.CreateInstitutionDocument, {
        input: { name: 'Counted', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 },
      }),
    ).createInstitution;
    await expectCountsTrue();
    expectOk(await editor.raw('mutation($id: ID!) { deleteInstitution(id: $id) { deletedId } }', { id: created.id }));
    await expectCountsTrue();
    const kemnaker = await t.ministry('KEMNAKER');
    const kesdm = await t.ministry('KESDM');
    // Rolled back: the counts go back with the rows.
    await t
      .em()
      .transactional(async (em) => {
        await em.execute(
          `insert into institution (id, owner_ministry_id, name, type, province_code, annual_capacity, sectors)
          select gen_random_uuid(), ?, 'Rolled back ' || i, 'TRAINING_CENTRE', '35', 1, '{}' from generate_series(1, 5) i`,
          [kemnaker.id],
        );
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await expectCountsTrue();
    // Many rows in one statement, then moved to another owner by the owner role.
    await t.em().execute(
      `insert into institution (id, owner_ministry_id, name, type, province_code, annual_capacity, sectors)
      select gen_random_uuid(), ?, 'Bulk ' || i, 'TRAINING_CENTRE', '35', 1, '{}' from generate_series(1, 40) i`,
      [kemnaker.id],
    );
    await t.em().execute(`update institution set owner_ministry_id = ? where name in ('Bulk 1', 'Bulk 2')`, [kesdm.id]);
    await expectCountsTrue();
    // The seed's loader skips triggers where it may, and counts again before it commits.
    const loader = await BulkLoader.open(t.databaseUrl);
    await loader
      .insert('institution', [
        {
          id: '01990000-0000-7000-8000-00000000c0de',
          owner_ministry_id: kesdm.id,
          name: 'Copied',
          type: 'TRAINING_CENTRE',
          province_code: '35',
          annual_capacity: 1,
          sectors: [],
        },
      ])
      .catch(async (e) => {
        await loader.rollback();
        throw e;
      });
    await loader.commit();
    await expectCountsTrue();
    // Truncated (and rolled back, to keep this file's data).
    await t
      .em()
      .transactional(async (em) => {
        await em.execute('truncate returnee_business cascade');
        const [{ n }] = await em.execute(`select count(*)::int as n from owned_row_count where table_name = 'returnee_business'`);
        expect(n).toBe(0);
        throw new Error('rollback');
      })
      .catch((e) => {
        if ((e as Error).message !== 'rollback') throw e;
      });
    await expectCountsTrue();
  });

  it("give each caller's unfiltered totalCount, own and shared rows alike, from the counts", async () => {
    for (const [role, code] of [
      [Role.VIEWER, 'KEMNAKER'],
      [Role.EDITOR, 'KESDM'],
      [Role.VIEWER, 'KEMENKES'],
    ] as const) {
      const client = await t.as(role, code);
      const res = await client.raw('{ institutions(first: 2) { totalCount edges { node { id } } } }');
      const all = await client.raw('{ institutions(first: 1000) { edges { node { id } } } }');
      expect(res.data!.institutions.totalCount, `${role} ${code}`).toBe(all.data!.institutions.edges.length);
      if (res.data!.institutions.edges.length)
        expect(
          res.sql.some((q) => q.includes('sinergi_row_count')),
          `${role} ${code}`,
        ).toBe(true);
    }
    // KESDM reads KEMNAKER's institutions through the MoU: its total holds both.
    const kesdm = await t.as(Role.VIEWER, 'KESDM');
    const [{ n }] = await t
      .em()
      .execute(`select count(*)::int as n from institution i join ministry m on m.id = i.owner_ministry_id where m.code in ('KESDM', 'KEMNAKER')`);
    expect((await kesdm.raw('{ institutions(first: 1) { totalCount } }')).data!.institutions.totalCount).toBe(n);
  });
});

describe('the app role and the counts', () => {
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: appUrl(t.databaseUrl) });
    await db.connect();
  });
  afterAll(() => db.end());

  it('cannot read, write or recount them, and is answered only for ministries its scope reads', async () => {
    await db.query('begin');
    try {
      for (const sql of [
        'select * from owned_row_count',
        `update owned_row_count set n = 0`,
        `insert into owned_row_count values ('institution', gen_random_uuid(), 1)`,
        `select sinergi_recount_rows('institution')`,
      ]) {
        await db.query('savepoint probe');
        await expect(db.query(sql), sql).rejects.toThrow(/permission denied/);
        await db.query('rollback to savepoint probe');
      }
      // No scope set up in this transaction: every ministry asked about counts nothing.
      const ministries = ((await t.em().execute('select id from ministry')) as { id: string }[]).map((m) => m.id);
      const { rows } = await db.query('select sinergi_row_count($1, $2::uuid[]) as n', ['institution', ministries]);
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      await db.query('rollback');
    }
  });
});
