/**
 * The one-row UPDATE the driver writes itself (src/db/driver.ts): the same
 * statement the ORM's QueryBuilder writes, sent on the request's connection,
 * with the ORM's optimistic lock still refusing a stale row. And statements
 * sent with PostgreSQL's parameters, prepared once per connection when they
 * repeat (src/db/prepared.ts), or never with DATABASE_PREPARED_STATEMENTS=false.
 */
import { OptimisticLockError } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ops from './generated/graphql';
import { expectOk } from './support/expect';
import { Role, startTestApp, type TestApp } from './support/test-app';
import { beginWith, execute, finishWith } from '../src/db/begin';
import { preparing } from '../src/db/prepared';
import { entityById } from '../src/data/entity-by-id';
import { Institution } from '../src/modules/institution/institution.entity';
import { fromGlobalId } from '../src/shared/global-id';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const create = async (editor: Awaited<ReturnType<TestApp['as']>>, name: string) =>
  expectOk(await editor.exec(ops.CreateInstitutionDocument, { input: { name, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }))
    .createInstitution;

describe('a one-row update written by the driver', () => {
  it("is the QueryBuilder's statement (columns, version bump, returning), not built by it", async () => {
    const editor = await t.as(Role.EDITOR, 'KEMENKES');
    const inst = await create(editor, 'Driver');
    const built = vi.spyOn(PostgreSqlDriver.prototype, 'nativeUpdate');
    try {
      const res = await editor.exec(ops.UpdateInstitutionDocument, { input: { id: inst.id, expectedVersion: inst.version, name: "Driver's own" } });
      expect(expectOk(res).updateInstitution).toMatchObject({ name: "Driver's own", version: inst.version + 1 });
      expect(built).not.toHaveBeenCalled();
      const id = fromGlobalId(inst.id, 'Institution', 'id');
      const update = res.sql.filter((q) => /^update "institution"/.test(q));
      expect(update).toHaveLength(1);
      expect(update[0]).toMatch(
        new RegExp(
          `^update "institution" set "name" = 'Driver''s own', "updated_at" = '[^']+', "version" = "version" \\+ 1 where "id" = '${id}' and "version" = ${inst.version} returning "version"$`,
        ),
      );
      const [row] = await t.em().execute<{ name: string; version: number }[]>('select name, version from institution where id = ?', [id]);
      expect(row).toEqual({ name: "Driver's own", version: inst.version + 1 });
    } finally {
      built.mockRestore();
    }
  });

  it('refuses a row someone else changed since it was read (OptimisticLockError), and changes nothing', async () => {
    const editor = await t.as(Role.EDITOR, 'KEMENKES');
    const inst = await create(editor, 'Stale');
    const id = fromGlobalId(inst.id, 'Institution', 'id');
    const ctx = await t.app.context(`Bearer ${editor.token}`);
    await ctx.begin();
    try {
      const row = (await entityById(ctx.em, Institution, id))!;
      row.name = 'Mine';
      // Another transaction commits a change of the same row in between.
      await t.em().execute('update institution set name = ?, version = version + 1 where id = ?', ['Theirs', id]);
      await expect(ctx.em.flush()).rejects.toBeInstanceOf(OptimisticLockError);
    } finally {
      await ctx.end(false);
    }
    const [row] = await t.em().execute<{ name: string }[]>('select name from institution where id = ?', [id]);
    expect(row.name).toBe('Theirs');
  });
});

describe('statements prepared once per connection (db/prepared.ts)', () => {
  const preparedHere = async (em: ReturnType<TestApp['em']>) =>
    (await execute<{ statement: string }>(em, "select statement from pg_prepared_statements where name like 'sinergi\\_%'")).map((r) => r.statement);

  it('a statement sent again is prepared on its connection, with its list as one parameter, and answers as before', async () => {
    const em = t.adminOrm.em.fork();
    await beginWith(em, 'select 1');
    try {
      const sql = `select count(*)::int as n from institution t where t.id in (?) and t.name <> ? -- ${Math.random()}`;
      const ids = (await execute<{ id: string }>(em, 'select id from institution limit 3')).map((r) => r.id);
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push((await execute<{ n: number }>(em, sql, [ids, 'none']))[0].n);
      expect(answers).toEqual([ids.length, ids.length, ids.length]);
      const mine = (await preparedHere(em)).filter((s) => s.includes(sql.slice(sql.indexOf('--'))));
      expect(mine).toHaveLength(1);
      expect(mine[0]).toContain('t.id = any($1) and t.name <> $2');
    } finally {
      await em.rollback();
    }
  });

  it('a statement prepared before a migration adds a column keeps working after it (no `*` in what is prepared)', async () => {
    const editor = await t.as(Role.EDITOR, 'KEMENKES');
    const inst = await create(editor, 'Prepared');
    let version = inst.version;
    const rename = async (name: string) => {
      const res = await editor.exec(ops.UpdateInstitutionDocument, { input: { id: inst.id, expectedVersion: version, name } });
      version = expectOk(res).updateInstitution.version;
      return res;
    };
    // Often enough that every pooled connection that served it has the row's statement prepared.
    for (let i = 0; i < 6; i++) await rename(`Prepared ${i}`);
    const list = '{ institutions(first: 5) { edges { node { id name } } } }';
    for (let i = 0; i < 3; i++) expectOk(await editor.raw(list));
    await t.em().execute('alter table institution add column later_column int');
    try {
      for (let i = 0; i < 6; i++) expect((await rename(`After ${i}`)).errors).toBeUndefined();
      for (let i = 0; i < 3; i++) expectOk(await editor.raw(list));
    } finally {
      await t.em().execute('alter table institution drop column later_column');
    }
  });

  it('DATABASE_PREPARED_STATEMENTS=false sends every statement unnamed (a pooler in transaction mode keeps no prepared statements)', async () => {
    const em = t.adminOrm.em.fork();
    preparing.enabled = false;
    await beginWith(em, 'select 1');
    try {
      const sql = `select count(*)::int as n from institution t where t.name <> ? -- ${Math.random()}`;
      for (let i = 0; i < 3; i++) await execute(em, sql, ['none']);
      expect((await preparedHere(em)).filter((s) => s.includes(sql.slice(sql.indexOf('--'))))).toEqual([]);
    } finally {
      preparing.enabled = true;
      await em.rollback();
    }
  });
});

describe('the request transaction (db/begin.ts)', () => {
  const POOL = 20;

  it('gives its connection back, rolled back, when the statement sent with BEGIN fails', async () => {
    // More failures than the pool holds: a connection kept, or given back inside its aborted transaction, would show.
    for (let i = 0; i < POOL + 5; i++) {
      const em = t.adminOrm.em.fork();
      await expect(beginWith(em, 'select 1/0')).rejects.toMatchObject({ code: '22012' });
      expect(em.isInTransaction()).toBe(false);
    }
    for (let i = 0; i < POOL + 5; i++) {
      const em = t.adminOrm.em.fork();
      const [[row], second] = await beginWith<{ n: number }>(em, 'select 41 + 1 as n', "select 'second' as s union all select 'rows'");
      expect(row.n).toBe(42);
      expect(second).toEqual([{ s: 'second' }, { s: 'rows' }]);
      expect(await execute<{ status: string }>(em, "select current_setting('transaction_isolation') as status")).toEqual([{ status: 'read committed' }]);
      await em.commit();
    }
  });

  it('rolls back when what it ends with instead of COMMIT fails, and the error reaches the caller', async () => {
    const em = t.adminOrm.em.fork();
    await beginWith(em, 'select 1');
    const code = `rollback-${Math.random()}`;
    try {
      await execute(em, 'insert into ministry (id, code, name, name_en) values (gen_random_uuid(), ?, ?, ?)', [code, code, code]);
      expect(finishWith(em, (send) => send('select 1/0; COMMIT').then(() => undefined))).toBe(true);
    } catch (e) {
      await em.rollback();
      throw e;
    }
    const trx = em.getTransactionContext() as { client: { acquireConnection(): Promise<{ query: (...a: unknown[]) => unknown }> } };
    const connection = await trx.client.acquireConnection();
    await expect(em.commit()).rejects.toMatchObject({ code: '22012' });
    expect(await t.em().execute('select 1 from ministry where code = ?', [code])).toEqual([]);
    // The ORM still holds the ended transaction and rolls it back when asked: nothing may reach the connection,
    // which is back in the pool (another request's by now, perhaps), where a ROLLBACK would end that one's work.
    const sent: unknown[] = [];
    const query = connection.query;
    connection.query = (...a: unknown[]) => (sent.push(a[0]), query.apply(connection, a));
    try {
      expect(em.isInTransaction()).toBe(true);
      await em.rollback();
    } finally {
      connection.query = query;
    }
    expect(sent).toEqual([]);
    // Its connection went back to the pool in working order.
    for (let i = 0; i < POOL + 1; i++) {
      const next = t.adminOrm.em.fork();
      await beginWith(next, 'select 1');
      await next.rollback();
    }
  });

  it('refuses a statement queued behind its end, when its turn comes', async () => {
    const em = t.adminOrm.em.fork();
    await beginWith(em, 'select 1');
    const trx = em.getTransactionContext() as { commit(): Promise<void> };
    const ended = trx.commit();
    const behind = execute(em, 'select 1 as n');
    await ended;
    await expect(behind).rejects.toThrow(/already complete/);
  });

  it('refuses statements once it has ended, and a transaction inside it', async () => {
    const em = t.adminOrm.em.fork();
    await beginWith(em, 'select 1');
    const trx = em.getTransactionContext() as {
      transaction(): unknown;
      client: { query(c: unknown, q: unknown): Promise<unknown>; acquireConnection(): Promise<unknown> };
    };
    expect(() => trx.transaction()).toThrow(/nested transactions/);
    const conn = await trx.client.acquireConnection();
    await em.commit();
    await expect(trx.client.query(conn, { sql: 'select 1', bindings: [] })).rejects.toThrow(/already complete/);
  });
});
