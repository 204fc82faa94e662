/**
 * Row-level security, the last line: queries that bypass the ORM scope (raw
 * SQL inside the request's own transaction) still see no foreign rows, the
 * app role cannot write foreign rows either, every table with an owner column
 * has forced RLS with policies, and scopes never leak between concurrent
 * requests on pooled connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../src/context';
import { Institution } from '../src/modules/institution/institution.entity';
import { OWNED_RESOURCES } from '../src/modules';

/** Tables of ministry-owned rows, as the resource declarations state them. */
const OWNED_TABLES = OWNED_RESOURCES.map((r) => r.owned!.table);
/** The personal-data read log: owned by the data's owner ministry, appended by the reader, never changed. */
const APPEND_ONLY_TABLES = ['personal_data_read'];
import * as ops from './generated/graphql';
import { expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
const CODES = ['KEMENKES', 'KEMENPAR', 'KKP', 'KEMENTAN'];

beforeAll(async () => {
  t = await startTestApp();
  for (const code of CODES) {
    const m = await t.ministry(code);
    for (let i = 0; i < 3; i++) await f.ministryWorld(t.em(), m);
  }
});
afterAll(() => t.close());

describe('row-level security', () => {
  it('every table with an owner column has forced RLS and app-role policies for every command', async () => {
    const tables: { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; cmds: string[] | null }[] = await t.em().execute(`
      select c.relname, c.relrowsecurity, c.relforcerowsecurity,
             (select array_agg(p.polcmd::text order by p.polcmd) from pg_policy p where p.polrelid = c.oid and 'sinergi_app'::regrole = any (p.polroles)) as cmds
        from pg_class c join pg_attribute a on a.attrelid = c.oid
       where a.attname = 'owner_ministry_id' and c.relkind = 'r' and c.relnamespace = 'public'::regnamespace
       order by c.relname`);
    expect(tables.map((r) => r.relname).sort()).toEqual([...OWNED_TABLES, ...APPEND_ONLY_TABLES].sort());
    for (const r of tables) {
      expect(r, r.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
      // r = select, a = insert, w = update, d = delete; the read log is append-only.
      const expected = (APPEND_ONLY_TABLES as readonly string[]).includes(r.relname) ? ['a', 'r'] : ['a', 'd', 'r', 'w'];
      expect([...(r.cmds ?? [])].sort(), r.relname).toEqual(expected);
    }
    const [grants] = await t
      .em()
      .execute(
        `select has_table_privilege('sinergi_app', 'personal_data_read', 'UPDATE') as upd, has_table_privilege('sinergi_app', 'personal_data_read', 'DELETE') as del`,
      );
    expect(grants).toEqual({ upd: false, del: false });
  });

  it('the app role owns no table and cannot bypass RLS', async () => {
    const [role] = await t.em().execute(`select rolsuper, rolbypassrls from pg_roles where rolname = 'sinergi_app'`);
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const owned = await t.em().execute(`select tablename from pg_tables where schemaname = 'public' and tableowner = 'sinergi_app'`);
    expect(owned).toEqual([]);
  });

  it("raw SQL in a request's transaction, past the ORM scope, returns only the caller's rows", async () => {
    const seen: Record<string, string[]> = {};
    const client = await t.as(Role.VIEWER, 'KEMENKES', async (ctx: Context) => {
      for (const table of OWNED_TABLES) {
        const rows: { owner: string }[] = await ctx.em.execute(`select distinct owner_ministry_id as owner from ${table}`);
        seen[table] = rows.map((r) => r.owner);
      }
    });
    expectOk(await client.exec(ops.ViewerDocument, {}));
    const own = (await t.ministry('KEMENKES')).id;
    for (const table of OWNED_TABLES.filter((x) => x !== 'mou')) expect(seen[table], table).toEqual([own]);
    expect(await t.em().count(Institution, {})).toBeGreaterThan(3);
  });

  it("raw SQL cannot write another ministry's rows", async () => {
    const foreign = await t.em().findOneOrFail(Institution, { ownerMinistry: (await t.ministry('KKP')).id });
    let updated = -1;
    let insertError = '';
    const client = await t.as(Role.EDITOR, 'KEMENKES', async (ctx: Context) => {
      const res = await ctx.em.execute(`update institution set name = 'hijacked' where id = ?`, [foreign.id], 'run');
      updated = (res as unknown as { affectedRows: number }).affectedRows;
      await ctx.em.execute('savepoint probe');
      try {
        await ctx.em.execute(
          `insert into institution (id, owner_ministry_id, name, type, province_code, annual_capacity, sectors) values (gen_random_uuid(), ?, 'x', 'TRAINING_CENTRE', '35', 1, '{}')`,
          [foreign.ownerMinistry.id],
        );
      } catch (e) {
        insertError = String((e as Error).message);
      }
      await ctx.em.execute('rollback to savepoint probe');
    });
    expectOk(await client.exec(ops.ViewerDocument, {}));
    expect(updated).toBe(0);
    expect(insertError).toMatch(/row-level security/);
    expect((await t.em().findOneOrFail(Institution, foreign.id)).name).toBe(foreign.name);
  });

  it('without a request scope (no begin) the app role sees nothing', async () => {
    const rows = await t.orm.em.fork().getConnection().execute('select count(*)::int as n from institution');
    expect(rows[0].n).toBe(0);
  });

  it('concurrent requests of different ministries on pooled connections each see only their own rows', async () => {
    const clients = await Promise.all(CODES.map((code) => t.as(Role.VIEWER, code)));
    const owners = await Promise.all(CODES.map(async (code) => (await t.ministry(code)).id));
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => i % CODES.length).map(async (k) => ({ k, res: await clients[k].exec(ops.InstitutionsDocument, { first: 100 }) })),
    );
    for (const { k, res } of results) {
      const list = expectOk(res).institutions;
      expect(list.totalCount).toBe(3);
      expect(new Set(list.edges.map((e) => e.node.ownerMinistry.code))).toEqual(new Set([CODES[k]]));
    }
    // Every ministry's requests ran, interleaved on the pool, and each saw only its own rows (above).
    expect(new Set(results.map((r) => r.k)).size).toBe(CODES.length);
    expect(new Set(owners).size).toBe(CODES.length);
  });
});
