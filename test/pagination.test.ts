/** Relay connections: cursors, ordering, nested pages, and a bounded number of SQL statements per request. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import DataLoader from 'dataloader';
import { Loaders } from '../src/data/loaders';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';
import type { Institution } from '../src/modules/institution/institution.entity';
import { ResourceType } from '../src/shared/enums';
import { fromGlobalId } from '../src/shared/global-id';

let t: TestApp;
let c: Client;
let institutions: Institution[];

beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const kemenkes = await t.ministry('KEMENKES');
  institutions = Array.from({ length: 60 }, (_, i) =>
    f.institution(em, kemenkes, { name: `Poltekkes ${String(i).padStart(2, '0')}`, annualCapacity: (i * 37) % 500 }),
  );
  for (const inst of institutions) {
    for (let p = 0; p < 4; p++) {
      const prog = f.program(em, inst, { title: `${inst.name} programme ${p}` });
      f.enrollment(em, prog, f.trainee(em, kemenkes));
    }
  }
  // Another ministry's rows interleave in id order: pages must still be full and honest.
  const kkp = await t.ministry('KKP');
  for (let i = 0; i < 30; i++) f.program(em, f.institution(em, kkp));
  await em.flush();
  c = await t.as(Role.VIEWER, 'KEMENKES');
});
afterAll(() => t.close());

describe('root connections', () => {
  it('pages forward with after until the end, each row once', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    let pages = 0;
    do {
      const page = expectOk(await c.exec(ops.InstitutionsDocument, { first: 25, after })).institutions;
      expect(page.totalCount).toBe(60);
      seen.push(...page.edges.map((e) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(60);
  });

  it('orders by a field, ties broken by id, in both directions', async () => {
    const asc = expectOk(await c.exec(ops.InstitutionsDocument, { first: 60, orderBy: { field: 'ANNUAL_CAPACITY', direction: 'ASC' } })).institutions.edges.map(
      (e) => e.node.annualCapacity,
    );
    expect(asc).toEqual([...asc].sort((x, y) => x - y));
    const desc = expectOk(await c.exec(ops.InstitutionsDocument, { first: 5, orderBy: { field: 'NAME', direction: 'DESC' } })).institutions.edges.map(
      (e) => e.node.name,
    );
    expect(desc).toEqual(['Poltekkes 59', 'Poltekkes 58', 'Poltekkes 57', 'Poltekkes 56', 'Poltekkes 55']);
  });

  it('pages by name across a cursor', async () => {
    const first = expectOk(await c.exec(ops.InstitutionsDocument, { first: 2, orderBy: { field: 'NAME' } })).institutions;
    const next = expectOk(await c.exec(ops.InstitutionsDocument, { first: 2, after: first.pageInfo.endCursor, orderBy: { field: 'NAME' } })).institutions;
    expect(next.edges.map((e) => e.node.name)).toEqual(['Poltekkes 02', 'Poltekkes 03']);
    expect(next.pageInfo.hasPreviousPage).toBe(true);
  });

  it('pages backward with last and before', async () => {
    const last = expectOk(await c.exec(ops.InstitutionsDocument, { last: 3, orderBy: { field: 'NAME' } })).institutions;
    expect(last.edges.map((e) => e.node.name)).toEqual(['Poltekkes 57', 'Poltekkes 58', 'Poltekkes 59']);
    const before = expectOk(await c.exec(ops.InstitutionsDocument, { last: 2, before: last.pageInfo.startCursor, orderBy: { field: 'NAME' } })).institutions;
    expect(before.edges.map((e) => e.node.name)).toEqual(['Poltekkes 55', 'Poltekkes 56']);
  });

  it('filters by text (LIKE wildcards are literal) and counts the filtered set', async () => {
    expect(expectOk(await c.exec(ops.InstitutionsDocument, { filter: { search: 'kes 1' } })).institutions.totalCount).toBe(10);
    expect(expectOk(await c.exec(ops.InstitutionsDocument, { filter: { search: '%' } })).institutions.totalCount).toBe(0);
  });

  it('refuses bad page arguments with BAD_USER_INPUT', async () => {
    expectError(await c.exec(ops.InstitutionsDocument, { first: -1 }), 'BAD_USER_INPUT', 'first');
    expectError(await c.exec(ops.InstitutionsDocument, { first: 5000 }), 'BAD_USER_INPUT', 'first');
    expectError(await c.exec(ops.InstitutionsDocument, { first: 1, last: 1 }), 'BAD_USER_INPUT', 'last');
    expectError(await c.exec(ops.InstitutionsDocument, { after: 'garbage' }), 'BAD_USER_INPUT', 'after');
    expectError(await c.exec(ops.InstitutionsDocument, { filter: { provinceCode: '00' } }), 'BAD_USER_INPUT', 'filter.provinceCode');
  });
});

describe('relation connections', () => {
  it("page through one institution's programmes", async () => {
    const id = f.gid(institutions[0]);
    const p1 = expectOk(await c.exec(ops.InstitutionProgramsDocument, { id, first: 3 })).node as {
      programs: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { title: string } }[] };
    };
    expect(p1.programs.totalCount).toBe(4);
    expect(p1.programs.pageInfo.hasNextPage).toBe(true);
    const p2 = expectOk(await c.exec(ops.InstitutionProgramsDocument, { id, first: 3, after: p1.programs.pageInfo.endCursor })).node as typeof p1;
    expect(p2.programs.edges.map((e) => e.node.title)).toEqual(['Poltekkes 00 programme 3']);
    expect(p2.programs.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a page size out of bounds on a relation, naming the argument', async () => {
    const id = f.gid(institutions[0]);
    for (const first of [-1, 1001]) expectError(await c.exec(ops.InstitutionProgramsDocument, { id, first }), 'BAD_USER_INPUT', 'first');
    expectOk(await c.exec(ops.InstitutionProgramsDocument, { id, first: 0 }));
    expectError(await c.exec(ops.InstitutionProgramsDocument, { id, first: 2, after: 'garbage' }), 'BAD_USER_INPUT', 'after');
  });

  it('50 institutions with programmes, ministry and enrollment counts cost the same few statements as 5 (no N+1)', async () => {
    const small = await c.exec(ops.InstitutionsWithProgramsDocument, { first: 5, programs: 3 });
    const large = await c.exec(ops.InstitutionsWithProgramsDocument, { first: 50, programs: 3 });
    const data = expectOk(large);
    expect(data.institutions.edges).toHaveLength(50);
    expect(data.institutions.edges.every((e) => e.node.programs.edges.length === 3 && e.node.programs.totalCount === 4)).toBe(true);
    expect(data.institutions.edges.every((e) => e.node.programs.edges.every((p) => p.node.enrollments.totalCount === 1))).toBe(true);
    // begin with the scope; the institutions page with their programme counts and, in the same statement, each
    // institution's programmes page with their enrollment counts; ministries; commit
    expect(large.statements, large.sql.join('\n')).toBe(4);
    expect(large.sql.filter((q) => q.includes('from "program" t'))).toHaveLength(1);
    expect(large.sql.find((q) => q.includes('from "program" t'))).toContain('from "institution" as t0');
    // Only enrollments' totalCount is asked for: no page of enrollment rows is read to answer it.
    expect(large.sql.filter((q) => q.includes('__rn') && q.includes('from "enrollment" t'))).toEqual([]);
    expect(large.statements).toBe(small.statements);
  });
});

describe('counts read ahead with a page', () => {
  it("counts each relation in the children's own scope, as the count asked alone does", async () => {
    const em = t.em();
    const [par, tan] = await Promise.all([t.ministry('KEMENPAR'), t.ministry('KEMENTAN')]);
    const prog = f.program(em, f.institution(em, par));
    for (let i = 0; i < 2; i++) f.enrollment(em, prog, f.trainee(em, par));
    // Kementan's own enrollment of its own trainee in Kemenpar's programme.
    f.enrollment(em, prog, f.trainee(em, tan), { ownerMinistry: tan } as never);
    await em.flush();
    // Kemenpar shares its institutions and programmes with Kementan, not its enrollments.
    await f.signedMou(em, par, tan, [{ provider: par, recipient: tan, resources: [ResourceType.INSTITUTION, ResourceType.PROGRAM] }]);
    const nested = '{ institutions(first: 100) { edges { node { programs(first: 5) { edges { node { id enrollments { totalCount } } } } } } } }';
    const alone = `{ node(id: "${f.gid(prog)}") { ... on Program { enrollments { totalCount } } } }`;
    for (const [code, expected] of [
      ['KEMENPAR', 2],
      ['KEMENTAN', 1],
    ] as const) {
      // Both layers, and the app's own scope alone (without row-level security behind it).
      for (const viewer of [await t.as(Role.VIEWER, code), await t.as(Role.VIEWER, code, undefined, { withoutRls: true })]) {
        const res = await viewer.raw(nested);
        const data = expectOk(res) as {
          institutions: { edges: { node: { programs: { edges: { node: { id: string; enrollments: { totalCount: number } } }[] } } }[] };
        };
        const found = data.institutions.edges.flatMap((i) => i.node.programs.edges).find((p) => p.node.id === f.gid(prog));
        expect(found?.node.enrollments.totalCount, code).toBe(expected);
        // Counted in the programmes' statement: no statement of its own.
        expect(res.sql.filter((q) => /group by/i.test(q))).toEqual([]);
        const single = expectOk(await viewer.raw(alone)) as { node: { enrollments: { totalCount: number } } };
        expect(single.node.enrollments.totalCount, code).toBe(expected);
      }
    }
  });
});

describe('counts read ahead with a root page', () => {
  it("counts the total and each row's children in the caller's scope, as the counts asked alone do", async () => {
    const em = t.em();
    const [pu, hub] = await Promise.all([t.ministry('KEMENPU'), t.ministry('KEMENHUB')]);
    const people = Array.from({ length: 3 }, () => f.trainee(em, pu));
    const puProgram = f.program(em, f.institution(em, pu));
    const hubProgram = f.program(em, f.institution(em, hub));
    for (const person of people) f.enrollment(em, puProgram, person);
    // Kemenhub enrolls one of Kemenpu's trainees in its own programme.
    f.enrollment(em, hubProgram, people[0]);
    f.trainee(em, hub);
    await em.flush();
    // Kemenpu shares its trainees with Kemenhub, not its enrollments; Kemenhub shares nothing.
    await f.signedMou(em, pu, hub, [{ provider: pu, recipient: hub, resources: [ResourceType.TRAINEE] }]);
    const list = '{ trainees(first: 100) { totalCount edges { node { id enrollments { totalCount } } } } }';
    const expected = { KEMENPU: { total: 3, first: 1 }, KEMENHUB: { total: 4, first: 1 } } as const;
    for (const code of ['KEMENPU', 'KEMENHUB'] as const) {
      for (const viewer of [await t.as(Role.VIEWER, code), await t.as(Role.VIEWER, code, undefined, { withoutRls: true })]) {
        const res = await viewer.raw(list);
        const data = expectOk(res) as { trainees: { totalCount: number; edges: { node: { id: string; enrollments: { totalCount: number } } }[] } };
        expect(data.trainees.totalCount, code).toBe(expected[code].total);
        expect(data.trainees.edges).toHaveLength(expected[code].total);
        // Kemenpu counts its own enrollment of the first trainee; Kemenhub its own.
        expect(data.trainees.edges.find((e) => e.node.id === f.gid(people[0]))?.node.enrollments.totalCount, code).toBe(expected[code].first);
        // begin with the scope, the page with its total and counts, commit.
        expect(res.statements, res.sql.join('\n')).toBe(3);
        const alone = expectOk(
          await viewer.raw(`{ trainees(first: 100) { totalCount } node(id: "${f.gid(people[0])}") { ... on Trainee { enrollments { totalCount } } } }`),
        ) as {
          trainees: { totalCount: number };
          node: { enrollments: { totalCount: number } };
        };
        expect(alone.trainees.totalCount, code).toBe(expected[code].total);
        expect(alone.node.enrollments.totalCount, code).toBe(expected[code].first);
      }
    }
  });

  it('an empty page counts 0 without a count of its own; a page past the end still counts the whole list', async () => {
    const empty = await c.raw('{ institutions(first: 5, filter: { search: "no such institution" }) { totalCount edges { node { id } } } }');
    expect((expectOk(empty) as { institutions: { totalCount: number } }).institutions.totalCount).toBe(0);
    expect(empty.statements).toBe(3);
    const all = expectOk(await c.exec(ops.InstitutionsDocument, { first: 1000 })).institutions.edges;
    const past = expectOk(await c.raw(`{ institutions(first: 5, after: "${await lastCursor()}") { totalCount edges { node { id } } } }`)) as {
      institutions: { totalCount: number; edges: unknown[] };
    };
    expect(past.institutions.edges).toEqual([]);
    expect(past.institutions.totalCount).toBe(all.length);
  });
});

describe('references read ahead with a relation page', () => {
  it("joins each referenced row in the caller's scope: null outside it, as the reference asked alone", async () => {
    const em = t.em();
    const [kkp, kemenag] = await Promise.all([t.ministry('KKP'), t.ministry('KEMENDIKDASMEN')]);
    // Kemendikdasmen enrolls its own trainee in a KKP programme; KKP shares its programmes, not its institutions.
    const prog = f.program(em, f.institution(em, kkp), { title: 'Perikanan tangkap' });
    const person = f.trainee(em, kemenag);
    const enr = f.enrollment(em, prog, person, { ownerMinistry: kemenag } as never);
    // KKP's own enrollment of the same person, in another of its programmes: KKP shares no enrollments.
    f.enrollment(em, f.program(em, f.institution(em, kkp)), person, { ownerMinistry: kkp } as never);
    await em.flush();
    const nested = `{ node(id: "${f.gid(person)}") { ... on Trainee { enrollments { edges { node { id program { title institution { name } } } } } } } }`;
    const alone = `{ node(id: "${f.gid(enr)}") { ... on Enrollment { program { title institution { name } } } } }`;
    type Nested = { node: { enrollments: { edges: { node: { program: unknown } }[] } } };
    const check = async (program: unknown) => {
      for (const viewer of [await t.as(Role.VIEWER, 'KEMENDIKDASMEN'), await t.as(Role.VIEWER, 'KEMENDIKDASMEN', undefined, { withoutRls: true })]) {
        const res = await viewer.raw(nested);
        expect((expectOk(res) as Nested).node.enrollments.edges.map((e) => e.node.program)).toEqual([program]);
        // begin with the scope, the trainee with its enrollments, their programmes and institutions, commit.
        expect(res.statements, res.sql.join('\n')).toBe(3);
        expect((expectOk(await viewer.raw(alone)) as { node: { program: unknown } }).node.program).toEqual(program);
      }
    };
    await check(null);
    await f.signedMou(em, kkp, kemenag, [{ provider: kkp, recipient: kemenag, resources: [ResourceType.PROGRAM] }]);
    await check({ title: 'Perikanan tangkap', institution: null });
  });
});

/** The cursor of the last institution the KEMENKES viewer sees. */
async function lastCursor(): Promise<string> {
  const res = expectOk(await c.raw('{ institutions(last: 1) { edges { cursor } } }')) as { institutions: { edges: { cursor: string }[] } };
  return res.institutions.edges[0].cursor;
}

describe('round trips per read', () => {
  it('a request opens its transaction and its scope in one round trip', async () => {
    const res = await c.exec(ops.InstitutionsDocument, { first: 2 });
    expectOk(res);
    expect(res.sql[0]).toMatch(/^begin; select sinergi_begin_request\(/i);
    expect(res.sql.filter((q) => /sinergi_begin_request/.test(q))).toHaveLength(1);
  });

  it('a list is begin with the scope, the page, commit: 2 + one level of lists', async () => {
    const res = await c.raw('{ institutions(first: 50) { edges { node { id name provinceCode } } } }');
    expectOk(res);
    expect(res.statements, res.sql.join('\n')).toBe(3);
    // With totalCount, counted by the page's statement.
    expect((await c.raw('{ institutions(first: 50) { totalCount edges { node { id } } } }')).statements).toBe(3);
  });

  it("a list with a list below it reads both pages, and the children's counts, in one statement: 3 round trips", async () => {
    const res = await c.raw(
      '{ institutions(first: 20) { edges { node { id name programs(first: 3) { pageInfo { hasNextPage endCursor } edges { node { id title enrollments { totalCount } } } } } } } }',
    );
    expectOk(res);
    expect(res.statements, res.sql.join('\n')).toBe(3);
    // The page sizes are in the statement's text, so PostgreSQL keeps one plan for it (where-sql.ts: countLiteral).
    const page = res.sql.find((q) => q.includes('from "institution" as t0')) ?? '';
    expect(page).toMatch(/order by t\.id limit 4\)/);
    expect(page).toMatch(/ limit 21$/);
  });

  it('pages and counts read with their parents are answered at once: no loader is asked, no promise per row', async () => {
    const query =
      '{ institutions(first: 20) { edges { node { id programs(first: 3) { pageInfo { hasNextPage } edges { node { id enrollments { totalCount } } } } } } } }';
    const loads = vi.spyOn(DataLoader.prototype, 'load');
    const pageOf = vi.spyOn(Loaders.prototype, 'pageOf');
    try {
      const res = expectOk(await c.raw(query)) as { institutions: { edges: { node: { programs: { edges: unknown[] } } }[] } };
      expect(res.institutions.edges).toHaveLength(20);
      expect(res.institutions.edges.every((e) => e.node.programs.edges.length === 3)).toBe(true);
      expect(pageOf).toHaveBeenCalledTimes(20);
      for (const { value } of pageOf.mock.results) expect(value).not.toBeInstanceOf(Promise);
      expect(loads).not.toHaveBeenCalled();
    } finally {
      loads.mockRestore();
      pageOf.mockRestore();
    }
    // Below a reference (not read ahead with its parent), the same relation goes through its batched loader.
    const alone = vi.spyOn(Loaders.prototype, 'pageOf');
    try {
      const res = expectOk(
        await c.raw(
          '{ institutions(first: 2) { edges { node { programs(first: 1) { edges { node { institution { programs(first: 3) { edges { node { id } } } } } } } } } } }',
        ),
      ) as { institutions: { edges: { node: { programs: { edges: { node: { institution: { programs: { edges: unknown[] } } } }[] } } }[] } };
      expect(res.institutions.edges.map((e) => e.node.programs.edges[0].node.institution.programs.edges.length)).toEqual([3, 3]);
      expect(alone.mock.results.some((r) => r.value instanceof Promise)).toBe(true);
    } finally {
      alone.mockRestore();
    }
  });
});

describe('statements per mutation', () => {
  it('an update is begin, scope, the row, the update, what the answer selects, and the audit append with commit: no savepoint round trip', async () => {
    const editor = await t.as(Role.EDITOR, 'KEMENKES');
    const inst = expectOk(
      await editor.exec(ops.CreateInstitutionDocument, { input: { name: 'Counted', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }),
    ).createInstitution;
    const res = await editor.exec(ops.UpdateInstitutionDocument, { input: { id: inst.id, expectedVersion: inst.version, name: 'Counted again' } });
    expectOk(res);
    expect(res.sql.filter((q) => /savepoint/i.test(q))).toEqual([]);
    // begin with the scope and the row (read ahead: the update names it), the update, the owner ministry the
    // answer's `ownerMinistry { code }` asks for, and commit, which carries the audit append (audit.chain.ts).
    expect(res.statements, JSON.stringify(res.sql)).toBe(4);
    const uuid = fromGlobalId(inst.id, 'Institution', 'id');
    expect(res.sql[0]).toMatch(/^begin; select sinergi_begin_request\(/);
    expect(res.sql[0].endsWith(`from "institution" as t0 where t0."id" = '${uuid}' limit 1`)).toBe(true);
    expect(res.sql.filter((q) => q.includes(`where t0."id" = '${uuid}' limit 1`))).toHaveLength(1);
    const [event] = await t.em().execute<{ operation: string; entity_id: string }[]>('select operation, entity_id from audit_event order by seq desc limit 1');
    expect(event).toEqual({ operation: 'updateInstitution', entity_id: fromGlobalId(inst.id, 'Institution', 'id') });
  });

  describe('the row an update names is read with BEGIN, and only then', () => {
    const readAhead = (sql: string[]) => /^begin; select sinergi_begin_request\(.*; select .* from "institution" as t0 where t0\."id" = /.test(sql[0]);
    let editor: Client;
    let inst: { id: string; version: number };
    beforeAll(async () => {
      editor = await t.as(Role.EDITOR, 'KEMENKES');
      inst = expectOk(
        await editor.exec(ops.CreateInstitutionDocument, { input: { name: 'Read ahead', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }),
      ).createInstitution;
    });

    it('whether the id comes inline, in a variable, or in an input-object variable', async () => {
      const inline = await editor.raw(`mutation { updateInstitution(input: { id: "${inst.id}", annualCapacity: 2 }) { annualCapacity } }`);
      expect(expectOk(inline).updateInstitution.annualCapacity).toBe(2);
      const variable = await editor.raw('mutation($id: ID!) { updateInstitution(input: { id: $id, annualCapacity: 3 }) { annualCapacity } }', { id: inst.id });
      expect(expectOk(variable).updateInstitution.annualCapacity).toBe(3);
      const object = await editor.exec(ops.UpdateInstitutionDocument, { input: { id: inst.id, annualCapacity: 4 } });
      expect(expectOk(object).updateInstitution.annualCapacity).toBe(4);
      for (const res of [inline, variable, object]) {
        expect(readAhead(res.sql), res.sql[0]).toBe(true);
        // Read once, with BEGIN, and never again.
        expect(res.sql.filter((q) => q.includes('from "institution" as t0 where t0."id" ='))).toHaveLength(1);
      }
      // begin with the scope and the row, the update, commit with the audit append.
      expect([inline.statements, variable.statements]).toEqual([3, 3]);
    });

    it('not for an id that is not one of the entity, which the resolver refuses as before, with nothing read ahead', async () => {
      const forged = Buffer.from("Institution:' or true --").toString('base64url');
      const program = f.gid({ id: '00000000-0000-4000-8000-000000000000', constructor: { name: 'Program' } } as never);
      for (const id of [forged, program, 'not-base64-at-all']) {
        const res = await editor.raw('mutation($id: ID!) { updateInstitution(input: { id: $id, annualCapacity: 5 }) { id } }', { id });
        expectError(res, 'BAD_USER_INPUT', 'input.id');
        expect(readAhead(res.sql), res.sql[0]).toBe(false);
      }
    });

    it('not when the operation runs more than one field, each of which reads its own row', async () => {
      const res = await editor.raw(
        'mutation($id: ID!) { a: updateInstitution(input: { id: $id, annualCapacity: 6 }) { id } b: updateInstitution(input: { id: $id, annualCapacity: 7 }) { annualCapacity } }',
        { id: inst.id },
      );
      expect(expectOk(res).b.annualCapacity).toBe(7);
      expect(readAhead(res.sql)).toBe(false);
    });

    it("another ministry's row read ahead is still refused as FORBIDDEN, and a VIEWER's update never reaches it", async () => {
      const other = await t.as(Role.EDITOR, 'KKP');
      const res = await other.exec(ops.UpdateInstitutionDocument, { input: { id: inst.id, name: 'Taken over' } });
      expectError(res, 'FORBIDDEN', 'input.id');
      const viewer = await t.as(Role.VIEWER, 'KEMENKES');
      expectError(await viewer.exec(ops.UpdateInstitutionDocument, { input: { id: inst.id, name: 'Viewed over' } }), 'FORBIDDEN');
      const [row] = await t.em().execute<{ name: string }[]>('select name from institution where id = ?', [fromGlobalId(inst.id, 'Institution', 'id')]);
      expect(row.name).toBe('Read ahead');
    });
  });
});
