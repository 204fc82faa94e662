/**
 * The resource declarations and the database agree: the row-level security
 * policies of every owned table, and the bodies of `sinergi_begin_request`
 * and `sinergi_statistics`, are exactly what the declarations generate now.
 * When a declaration changes, this fails until `npm run db:resources` has
 * written the migration that brings the database along.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { resourceStatements } from '../src/resource/resource-sql';
import { AUDIT_SUBJECTS, OWNED_RESOURCES, POLICY, REGISTRY, RESOURCES } from '../src/modules';
import { buildBareSchema, SCHEMA_FILE } from '../src/graphql/schema';
import { assertEveryRootFieldHasAPolicy } from '../src/graphql/shield';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const TABLES = OWNED_RESOURCES.map((r) => r.owned!.table);

/** What the database holds for the declarations: policies as PostgreSQL deparses them, and function sources. */
async function catalog(run: (sql: string) => Promise<unknown[]>) {
  const policies = await run(`select tablename, policyname, cmd, roles::text as roles, qual, with_check from pg_policies
    where schemaname = 'public' and tablename = any ('{${TABLES.join(',')}}'::text[]) order by tablename, policyname`);
  const functions = await run(`select p.proname, pg_get_functiondef(p.oid) as def from pg_proc p
    where p.proname in ('sinergi_begin_request', 'sinergi_statistics') and p.pronamespace = 'public'::regnamespace order by 1`);
  const rls = await run(
    `select relname, relrowsecurity, relforcerowsecurity from pg_class where relname = any ('{${TABLES.join(',')}}'::text[]) and relnamespace = 'public'::regnamespace order by 1`,
  );
  const enumValues = await run(`select enumlabel from pg_enum where enumtypid = 'resource_type'::regtype order by enumsortorder`);
  const triggers = await run(`select c.relname, g.tgname, pg_get_triggerdef(g.oid) as def from pg_trigger g join pg_class c on c.oid = g.tgrelid
    where g.tgname like 'count\\_%' order by 1, 2`);
  return { policies, functions, rls, enumValues, triggers };
}

describe('the database side of the resource declarations', () => {
  it('applied policies and function bodies equal what the declarations generate', async () => {
    const pg = t.em().getConnection();
    const knex = pg.getKnex();
    await knex
      .transaction(async (trx) => {
        const run = async (sql: string) => (await trx.raw(sql)).rows as unknown[];
        const applied = await catalog(run);
        expect(applied.functions).toHaveLength(2);
        expect(applied.policies.length).toBe(TABLES.length * 5);
        for (const sql of resourceStatements(RESOURCES)) await trx.raw(sql.replace(/\?/g, '\\?'));
        const generated = await catalog(run);
        expect(applied, 'the database differs from the declarations: run `npm run db:resources`').toEqual(generated);
        await trx.rollback();
      })
      .catch((e) => {
        if (!String(e).includes('Transaction rejected with non-error: undefined')) throw e;
      });
  });

  it('every owned table is declared, and every declared one exists', async () => {
    const rows: { relname: string }[] = await t.em().execute(`select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid
      where a.attname = 'owner_ministry_id' and c.relkind = 'r' and c.relnamespace = 'public'::regnamespace and c.relname <> 'personal_data_read'`);
    expect(rows.map((r) => r.relname).sort()).toEqual([...TABLES].sort());
  });

  it('every root field of the schema has a policy row, and every mutation a declared audit subject', () => {
    const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    expect(Object.keys(schema.getQueryType()!.getFields()).sort()).toEqual(Object.keys(POLICY.query).sort());
    const mutations = Object.keys(schema.getMutationType()!.getFields()).sort();
    expect(mutations).toEqual(Object.keys(POLICY.mutation).sort());
    expect(Object.keys(AUDIT_SUBJECTS).sort()).toEqual(mutations);
  });

  it('the server refuses to start with a root field that has no policy row (deny by default, at build time)', async () => {
    const schema = await buildBareSchema();
    expect(() => assertEveryRootFieldHasAPolicy(schema, POLICY)).not.toThrow();
    const { statistics: _dropped, ...query } = POLICY.query;
    expect(() => assertEveryRootFieldHasAPolicy(schema, { ...POLICY, query })).toThrow('Query.statistics');
  });

  it('names each resource once', () => {
    const names = RESOURCES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    const tables = TABLES;
    expect(new Set(tables).size).toBe(tables.length);
  });
});

describe('indexes for relations read within a scope', () => {
  it('every scoped child relation has an index on (its key, owner ministry), so its pages and counts read the index alone', async () => {
    const metadata = t.em().getMetadata();
    const indexes = await t.em().execute<{ table: string; columns: string }[]>(
      `select t.relname as table, string_agg(a.attname, ',' order by k.ord) as columns
           from pg_index i join pg_class t on t.oid = i.indrelid join pg_class c on c.oid = i.indexrelid
           cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
           join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
          where t.relnamespace = 'public'::regnamespace group by t.relname, c.relname`,
    );
    let checked = 0;
    for (const resource of OWNED_RESOURCES) {
      for (const [field, specOf] of REGISTRY.childrenOf(resource.name)) {
        const spec = specOf();
        if (!spec.resource) continue;
        const meta = metadata.get(spec.entity.name);
        const key = meta.properties[spec.parentProperty as keyof typeof meta.properties].fieldNames[0];
        const owner = meta.properties['ownerMinistry' as keyof typeof meta.properties].fieldNames[0];
        const leading = indexes.filter((i) => i.table === meta.tableName).map((i) => i.columns.split(',').slice(0, 2).join(','));
        expect(leading, `${resource.name}.${field}: ${meta.tableName}(${key}, ${owner})`).toContain(`${key},${owner}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
