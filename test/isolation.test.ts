/**
 * Per-ministry isolation (access-model.md "Behaviour at the border"): as
 * ministry A, no row of ministry B appears in any list, count, by-id read or
 * relation, and writes to B's rows are refused (see also crud.test.ts). A
 * meta-test runs the same checks with the data scope switched off and expects
 * them to find violations, so these tests cannot pass vacuously.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scope } from '../src/access/scope';
import { Loaders } from '../src/data/loaders';
import type { Context } from '../src/context';
import { Enrollment } from '../src/modules/enrollment/enrollment.entity';
import { Institution } from '../src/modules/institution/institution.entity';
import { Mou } from '../src/modules/mou/mou.entity';
import { Program } from '../src/modules/program/program.entity';
import { Trainee } from '../src/modules/trainee/trainee.entity';
import { toGlobalId } from '../src/shared/global-id';
import * as ops from './generated/graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { EntityName } from '@mikro-orm/core';
import { parse } from 'graphql';
import { naming } from '../src/resource/naming';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let a: Client; // KEMENPERIN editor
let aViewer: Client;
type World = Awaited<ReturnType<typeof f.ministryWorld>>;
let mineA: World, theirsB: World;
let mouB: Mou;

/** Each resource made from fields, with a list document of its own (from the declarations: none is left out). */
const ENTITIES: readonly {
  name: string;
  entity: EntityName<object>;
  list: TypedDocumentNode<Record<string, unknown>, { first?: number | null; filter?: { ownerMinistryId?: string | null } | null }>;
  key: string;
}[] = f.FIXTURED.map((r) => ({
  name: r.name,
  entity: r.node,
  key: naming.list(r.name),
  list: parse(
    `query($first: Int, $filter: ${naming.filter(r.name)}) { ${naming.list(r.name)}(first: $first, filter: $filter) { totalCount edges { node { id ownerMinistry { code } } } } }`,
  ),
}));

beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [kemenperin, kesdm, kemnaker] = await Promise.all([t.ministry('KEMENPERIN'), t.ministry('KESDM'), t.ministry('KEMNAKER')]);
  mineA = await f.ministryWorld(em, kemenperin);
  theirsB = await f.ministryWorld(em, kesdm);
  // A second world for B, so B has more rows than A and counts cannot match by chance.
  await f.ministryWorld(em, kesdm);
  // Cross-border links an isolation bug would follow: A's trainee in B's programme, B's trainee in A's programme.
  f.enrollment(em, theirsB.program, mineA.trainee);
  f.enrollment(em, mineA.program, theirsB.trainee);
  // B's programme under A's institution: a list of A's institutions reads their programme pages in its own statement.
  f.program(em, mineA.institution, { ownerMinistry: kesdm } as never);
  mouB = em.create(Mou, {
    ownerMinistry: kesdm,
    title: 'B and C only',
    scope: 'x',
    validFrom: '2025-01-01',
    validUntil: '2030-01-01',
    partyMinistryIds: [kesdm.id, kemnaker.id],
  });
  await em.flush();
  a = await t.as(Role.EDITOR, 'KEMENPERIN');
  aViewer = await t.as(Role.VIEWER, 'KEMENPERIN');
});
afterAll(() => t.close());

/** Every way A could see B's data, as a list of violations (empty when isolated). */
async function violations(client: Client): Promise<string[]> {
  const found: string[] = [];
  const em = t.em();
  const kemenperin = await t.ministry('KEMENPERIN');
  const kesdm = await t.ministry('KESDM');
  for (const { name, entity, list, key } of ENTITIES) {
    const res = await client.exec(list, { first: 1000 });
    const conn = (res.data as Record<string, { totalCount: number; edges: { node: { id: string; ownerMinistry: { code: string } } }[] }>)[key];
    const foreign = conn.edges.filter((e) => e.node.ownerMinistry.code !== 'KEMENPERIN');
    if (foreign.length) found.push(`${key} lists ${foreign.length} foreign rows`);
    const own = await em.count(entity, { ownerMinistry: kemenperin.id });
    if (conn.totalCount !== own) found.push(`${key}.totalCount is ${conn.totalCount}, own rows ${own}`);
    const filtered = await client.exec(list, { filter: { ownerMinistryId: toGlobalId('Ministry', kesdm.id) } });
    const fc = (filtered.data as Record<string, { totalCount: number }>)[key];
    if (fc.totalCount !== 0) found.push(`${key} filtered by B counts ${fc.totalCount}`);
    const row = theirsB[(name.charAt(0).toLowerCase() + name.slice(1)) as keyof World];
    const byId = await client.exec(ops.NodeDocument, { id: f.gid(row) });
    if (byId.data?.node !== null || byId.errors) found.push(`node(${name} of B) answered ${JSON.stringify(byId.data ?? byId.errors)}`);
  }
  const trainee = await client.exec(ops.TraineeEnrollmentsDocument, { id: f.gid(mineA.trainee) });
  const tn = trainee.data?.node as { enrollments: { totalCount: number; edges: { node: { ownerMinistry: { code: string } } }[] } } | null;
  if (tn?.enrollments.edges.some((e) => e.node.ownerMinistry.code !== 'KEMENPERIN')) found.push("Trainee.enrollments shows B's enrollment");
  if (tn && tn.enrollments.totalCount !== 1) found.push(`Trainee.enrollments.totalCount is ${tn.enrollments.totalCount}`);
  const enrollments = await client.exec(ops.EnrollmentsDocument, { first: 100 });
  for (const e of enrollments.data?.enrollments?.edges ?? []) {
    if (e.node.trainee && e.node.trainee.id === f.gid(theirsB.trainee)) found.push("Enrollment.trainee reveals B's trainee");
  }
  const nested = await client.raw(
    '{ institutions(first: 100) { edges { node { programs(first: 20) { totalCount edges { node { ownerMinistry { code } } } } } } } }',
  );
  const pages = (
    (nested.data as { institutions?: { edges: { node: { programs: { totalCount: number; edges: { node: { ownerMinistry: { code: string } } }[] } } }[] } })
      ?.institutions?.edges ?? []
  ).map((e) => e.node.programs);
  // An answer with nothing to check must not pass as isolated.
  if (nested.errors || !pages.length) found.push(`the nested list answered ${JSON.stringify(nested.errors ?? nested.data)}`);
  if (pages.some((p) => p.edges.some((e) => e.node.ownerMinistry.code !== 'KEMENPERIN'))) found.push("Institution.programs in a list shows B's programme");
  if (pages.some((p) => p.totalCount !== p.edges.length)) found.push("Institution.programs.totalCount in a list counts B's programme");
  const mous = await client.exec(ops.MousDocument, { first: 100 });
  if (mous.data?.mous?.edges?.some((e) => e.node.id === f.gid(mouB))) found.push('mous lists an MoU A is no party to');
  const mouNode = await client.exec(ops.NodeDocument, { id: f.gid(mouB) });
  if (mouNode.data?.node !== null) found.push('node(MoU of B and C) is not null');
  return found;
}

describe('isolation between ministries', () => {
  it('B has rows of every kind (so the checks below are not vacuous)', async () => {
    const kesdm = await t.ministry('KESDM');
    for (const { entity } of ENTITIES) expect(await t.em().count(entity, { ownerMinistry: kesdm.id })).toBeGreaterThan(1);
  });

  it("as A: no list, count, filter, by-id read or relation shows B's rows", async () => {
    expect(await violations(a)).toEqual([]);
    expect(await violations(aViewer)).toEqual([]);
  });

  it('node(id) of a foreign row answers exactly like a missing id', async () => {
    for (const { name } of ENTITIES) {
      const row = theirsB[(name.charAt(0).toLowerCase() + name.slice(1)) as keyof World];
      const foreign = await a.exec(ops.NodeDocument, { id: f.gid(row) });
      const missing = await a.exec(ops.NodeDocument, { id: toGlobalId(name, '01a00000-0000-7000-8000-000000000000') });
      expect(foreign.data).toEqual(missing.data);
      expect(foreign.errors).toEqual(missing.errors);
      const own = expectOk(await a.exec(ops.NodeDocument, { id: f.gid(mineA[(name.charAt(0).toLowerCase() + name.slice(1)) as keyof World]) }));
      expect(own.node?.__typename).toBe(name);
    }
  });

  it('a write to a foreign row is answered exactly like a write to a missing id', async () => {
    const foreign = await a.exec(ops.DeleteInstitutionDocument, { id: f.gid(theirsB.institution) });
    const missing = await a.exec(ops.DeleteInstitutionDocument, { id: toGlobalId('Institution', '01a00000-0000-7000-8000-000000000000') });
    expectError(foreign, 'FORBIDDEN', 'id');
    expect(foreign.errors).toEqual(missing.errors);
    expect(await t.em().count(Institution, { id: theirsB.institution.id })).toBe(1);
  });

  it("a programme cannot be created under another ministry's institution, an enrollment not in its programme", async () => {
    expectError(
      await a.exec(ops.CreateProgramDocument, { input: { institutionId: f.gid(theirsB.institution), title: 'Sneaky', sector: 'ICT', capacityPerIntake: 1 } }),
      'FORBIDDEN',
      'input.institutionId',
    );
    expectError(
      await a.exec(ops.CreateEnrollmentDocument, { input: { programId: f.gid(theirsB.program), traineeId: f.gid(mineA.trainee) } }),
      'FORBIDDEN',
      'input.programId',
    );
    expectError(
      await a.exec(ops.CreateEnrollmentDocument, { input: { programId: f.gid(mineA.program), traineeId: f.gid(theirsB.trainee) } }),
      'BAD_USER_INPUT',
      'input.traineeId',
    );
  });

  // The layers one at a time: each alone keeps ministries apart; with both off the checks must find violations.
  const ormScopeOff = (ctx: Context) => {
    ctx.em.setFilterParams('scope', { scope: Scope.system() });
    ctx.scope = Scope.system();
    ctx.loaders = new Loaders(ctx.em, Scope.system(), ctx.readOnly);
  };

  it('with the ORM scope switched off, row-level security alone still isolates', async () => {
    expect(await violations(await t.as(Role.EDITOR, 'KEMENPERIN', ormScopeOff))).toEqual([]);
  });

  it('with row-level security switched off, the ORM scope alone still isolates', async () => {
    expect(await violations(await t.as(Role.EDITOR, 'KEMENPERIN', undefined, { withoutRls: true }))).toEqual([]);
  });

  it('meta: with both layers switched off the same checks find violations', async () => {
    const found = await violations(await t.as(Role.EDITOR, 'KEMENPERIN', ormScopeOff, { withoutRls: true }));
    expect(found.length).toBeGreaterThanOrEqual(ENTITIES.length * 3);
    expect(found).toContain("Institution.programs in a list shows B's programme");
  });
});

describe('roles without programme data', () => {
  it('AUDITOR and PLATFORM_ADMIN cannot list programme data, and node() hides it', async () => {
    for (const role of [Role.AUDITOR, Role.PLATFORM_ADMIN]) {
      const c = await t.as(role, null);
      for (const { list } of ENTITIES) expectError(await c.exec(list, {}), 'FORBIDDEN');
      expect(expectOk(await c.exec(ops.NodeDocument, { id: f.gid(mineA.trainee) })).node).toBeNull();
    }
  });

  it('AUDITOR reads every MoU; PLATFORM_ADMIN none', async () => {
    const auditor = await t.as(Role.AUDITOR, null);
    const all = await t.em().count(Mou, {});
    expect(expectOk(await auditor.exec(ops.MousDocument, { first: 100 })).mous.totalCount).toBe(all);
    expectError(await (await t.as(Role.PLATFORM_ADMIN, null)).exec(ops.MousDocument, {}), 'FORBIDDEN');
  });

  it('every MoU party reads the MoU, others do not', async () => {
    const kemnaker = await t.as(Role.VIEWER, 'KEMNAKER');
    expect(expectOk(await kemnaker.exec(ops.MousDocument, {})).mous.edges.map((e) => e.node.id)).toContain(f.gid(mouB));
    expect(expectOk(await a.exec(ops.MousDocument, {})).mous.edges.map((e) => e.node.id)).not.toContain(f.gid(mouB));
  });
});
