/**
 * Queries read rows plain (data/plain-rows.ts), mutations as entities: the
 * two must hold the same values, or a query would answer differently from
 * the mutation that wrote the row. Every entity the plain path accepts is
 * compared property by property with what the ORM hydrates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cursor, Reference, ReferenceKind, type EntityMetadata } from '@mikro-orm/core';
import { ENTITIES } from '../src/modules';
import { plainRowMaker, plainShape, readRows } from '../src/data/plain-rows';
import { entityById } from '../src/data/entity-by-id';
import { Institution } from '../src/modules/institution/institution.entity';
import { FIXTURED, institution, ministryWorld, signedMou } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { ResourceType } from '../src/shared/enums';
import { Role } from '../src/access/roles';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [owner, partner] = [await t.ministry('KEMNAKER'), await t.ministry('KESDM')];
  await ministryWorld(em, owner);
  await ministryWorld(em, partner);
  await signedMou(em, owner, partner, [{ provider: owner, recipient: partner, resources: [ResourceType.TRAINEE], personal: true }]);
});
afterAll(() => t.close());

/** A property's value as both sides must agree on it: references by key, dates as instants. */
function comparable(meta: EntityMetadata, name: string, value: unknown): unknown {
  const prop = meta.properties[name as keyof typeof meta.properties];
  if (value == null) return null;
  if (prop.kind === ReferenceKind.MANY_TO_ONE || prop.kind === ReferenceKind.ONE_TO_ONE) {
    const key = prop.targetMeta?.primaryKeys[0] ?? 'id';
    const target = Reference.isReference(value) ? value.unwrap() : value;
    return (target as Record<string, unknown>)[key];
  }
  return value instanceof Date ? value.toISOString() : value;
}

const entityMetas = () =>
  ENTITIES.map((e) => t.em().getMetadata().find(e.name)).filter((m): m is EntityMetadata => !!m && !m.abstract && !m.embeddable && !m.virtual);

describe('plain rows of a query', () => {
  it('are read for the hot resources and refused for entities with behaviour of their own', () => {
    const plain = new Set(
      entityMetas()
        .filter((m) => plainShape(m, t.em().getPlatform()))
        .map((m) => m.className),
    );
    // Every declared resource, and the reference tables they point to.
    for (const name of [...FIXTURED.map((r) => r.name), 'Ministry', 'DestinationCountry']) expect(plain, name).toContain(name);
    // An MoU has collections and a computed status; an account a computed status.
    for (const name of ['Mou', 'Account']) expect(plain, name).not.toContain(name);
  });

  it('hold every property exactly as the ORM hydrates it, for every entity read plain', async () => {
    let compared = 0;
    for (const meta of entityMetas()) {
      const em = t.em();
      if (!plainShape(meta, em.getPlatform())) continue;
      const pk = meta.primaryKeys[0];
      const options = { orderBy: { [pk]: 'asc' } as never, limit: 100 };
      const entities = await em.find(meta.className, {}, options);
      const plain = await readRows(em, meta.className, {}, options);
      // Relation pages make their rows straight from the statement's columns (plainRowMaker), with the
      // page's own extra columns beside them, which must not end up on the row.
      const pkColumn = meta.properties[pk as keyof typeof meta.properties].fieldNames[0];
      const columns = await em.execute(`select *, 1 as __rn, 'x' as r0__name from "${meta.tableName}" order by "${pkColumn}" limit 100`);
      const make = plainRowMaker(em, meta.className)!;
      const direct = columns.map((c) => make(c) as Record<string, unknown>);
      for (const row of direct) for (const extra of ['__rn', 'r0__name']) expect(Object.keys(row), meta.className).not.toContain(extra);
      const props = meta.props.filter((p) => p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE || p.kind === ReferenceKind.ONE_TO_ONE);
      for (const rows of [plain!.raw.map(plain!.make) as Record<string, unknown>[], direct]) {
        expect(rows.length, meta.className).toBe(entities.length);
        entities.forEach((entity, i) => {
          const row = rows[i];
          expect(row).toBeInstanceOf(meta.class);
          expect(row.constructor.name).toBe(meta.className);
          for (const p of props) {
            const want = comparable(meta, p.name, (entity as Record<string, unknown>)[p.name]);
            expect(comparable(meta, p.name, row[p.name]), `${meta.className}.${p.name}`).toEqual(want);
            // Same JavaScript types too (a date column stays a string, a timestamp a Date, an array an array).
            const value = (entity as Record<string, unknown>)[p.name];
            if (p.kind === ReferenceKind.SCALAR && value != null) {
              expect(typeof row[p.name], `${meta.className}.${p.name}`).toBe(typeof value);
              expect(Object.getPrototypeOf(row[p.name]), `${meta.className}.${p.name}`).toBe(Object.getPrototypeOf(value));
            }
          }
          compared++;
        });
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('leave the ORM untouched: nothing read plain is in the identity map', async () => {
    const em = t.em().fork();
    const plain = await readRows(em, 'Trainee', {});
    expect(plain!.raw.length).toBeGreaterThan(0);
    expect(em.getUnitOfWork().getIdentityMap().values()).toHaveLength(0);
  });
});

describe('page statements written without the QueryBuilder (where-sql.ts)', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['everything', {}, { orderBy: { id: 'asc' }, limit: 7 }],
    ['ids', { id: { $in: [] } }, {}],
    ['a ministry and a pattern', { name: { $ilike: '%a%' } }, { orderBy: { name: 'desc', id: 'desc' }, limit: 5 }],
    ['a range', { annualCapacity: { $gte: 10, $lt: 5000 } }, { orderBy: { annualCapacity: 'asc', id: 'asc' }, limit: 5, offset: 2 }],
    ['nothing', { name: null }, {}],
  ];

  it('read the rows, in the order, that the ORM reads for the same filters and options, without building a QueryBuilder', async () => {
    const em = t.em().fork();
    const owner = await t.ministry('KEMNAKER');
    // Names and capacities that repeat, so orderings tie and the id decides.
    for (let i = 0; i < 12; i++) institution(em, owner, { name: `Balai ${'ABC'[i % 3]}`, annualCapacity: 10 + (i % 4) * 1000 });
    await em.flush();
    const all = await em.find('Institution', {}, { orderBy: { id: 'asc' } as never });
    expect(all.length).toBeGreaterThan(12);
    const ministry = (all[0] as { ownerMinistry: { id: string } }).ownerMinistry.id;
    cases.push(['one owner', { ownerMinistry: ministry }, { orderBy: { id: 'asc' } }]);
    cases[1][1] = { id: { $in: all.slice(0, 3).map((i) => (i as { id: string }).id) } };
    const built = em.createQueryBuilder.bind(em);
    let builders = 0;
    em.createQueryBuilder = ((...a: Parameters<typeof built>) => (builders++, built(...a))) as typeof built;
    for (const [name, where, options] of cases) {
      const want = (
        await t
          .em()
          .fork()
          .find('Institution', where as never, options as never)
      ).map((r) => (r as { id: string }).id);
      const got = await readRows(em, 'Institution', where as never, options as never, { total: true });
      expect(
        got!.raw.map((r) => r.id),
        name,
      ).toEqual(want);
      expect(got!.total, name).toBe(
        want.length
          ? await t
              .em()
              .fork()
              .count('Institution', where as never)
          : null,
      );
    }
    expect(builders).toBe(0);
  });

  it('read the pages of a keyset cursor, forwards and backwards, as the ORM does', async () => {
    const em = t.em().fork();
    for (const orderBy of [{ id: 'asc' }, { name: 'asc', id: 'asc' }, { annualCapacity: 'desc', id: 'desc' }]) {
      const ormPages: string[][] = [];
      const plainPages: string[][] = [];
      let ormCursor: string | null = null;
      let plainCursor: string | null = null;
      for (let i = 0; i < 3; i++) {
        const after: string | undefined = ormCursor ?? undefined;
        const c = (await t
          .em()
          .fork()
          .findByCursor('Institution', {}, { first: 2, after, orderBy: orderBy as never, overfetch: true, includeCount: false })) as {
          items: object[];
          endCursor: string | null;
        };
        ormPages.push(c.items.map((r) => (r as { id: string }).id));
        ormCursor = c.endCursor;
        const plainAfter: string | undefined = plainCursor ?? undefined;
        const p = (await readRows(em, 'Institution', {}, { first: 2, after: plainAfter, orderBy: orderBy as never, overfetch: true } as never)) as {
          raw: Record<string, unknown>[];
        };
        plainPages.push(p.raw.slice(0, 2).map((r) => r.id as string));
        const meta = t.em().getMetadata().get('Institution');
        plainCursor = new Cursor(p.raw as never[], undefined as never, { first: 2, orderBy, overfetch: true } as never, meta).endCursor;
      }
      expect(plainPages, JSON.stringify(orderBy)).toEqual(ormPages);
      const back = await readRows(em, 'Institution', {}, { last: 2, before: plainCursor ?? undefined, orderBy: orderBy as never, overfetch: true } as never);
      const ormBack = await t
        .em()
        .fork()
        .findByCursor('Institution', {}, { last: 2, before: ormCursor ?? undefined, orderBy: orderBy as never, overfetch: true, includeCount: false });
      expect(
        back!.raw.slice(-2).map((r) => r.id),
        JSON.stringify(orderBy),
      ).toEqual(ormBack.items.map((r) => (r as { id: string }).id));
    }
  });
});

describe('the row a mutation loads (entity-by-id.ts)', () => {
  it('is a managed entity equal to what findOne loads, whose changes flush, and null when absent', async () => {
    const em = t.em().fork();
    const [some] = await t.em().fork().find(Institution, {}, { limit: 1 });
    const row = await entityById(em, Institution, some.id);
    expect(row).toBeInstanceOf(Institution);
    expect(em.getUnitOfWork().getById(Institution.name, some.id)).toBe(row);
    expect({ ...row!, ownerMinistry: row!.ownerMinistry.id }).toEqual({ ...some, ownerMinistry: some.ownerMinistry.id });
    // Loaded again, the identity map answers with the same object.
    expect(await entityById(em, Institution, some.id)).toBe(row);
    row!.name = `${some.name} (renamed)`;
    await em.flush();
    expect((await t.em().fork().findOneOrFail(Institution, some.id)).name).toBe(`${some.name} (renamed)`);
    expect(await entityById(t.em().fork(), Institution, '00000000-0000-7000-8000-000000000000')).toBeNull();
  });
});

describe('the read path of a request', () => {
  /** How many entities the ORM hydrates while the request runs. */
  async function hydrated(run: (c: Awaited<ReturnType<TestApp['as']>>) => Promise<unknown>): Promise<number> {
    let created = 0;
    const client = await t.as(Role.EDITOR, 'KEMNAKER', (ctx) => {
      const factory = ctx.em.getEntityFactory();
      const create = factory.create.bind(factory);
      factory.create = ((...a: Parameters<typeof create>) => {
        created++;
        return create(...a);
      }) as typeof create;
    });
    await run(client);
    return created;
  }

  it('a query hydrates no entity: lists, relation pages, references and node read plain rows', async () => {
    const n = await hydrated(async (c) => {
      const res =
        await c.raw(`{ trainees(first: 5) { edges { node { id nik enrollments { edges { node { id program { title institution { name ownerMinistry { code } } } } } } } } }
        institutions(first: 5) { totalCount edges { node { id name programs(first: 2) { edges { node { id title } } } } } } }`);
      expect(res.errors).toBeUndefined();
      const data = res.data as { trainees: { edges: { node: { enrollments: { edges: unknown[] } } }[] } };
      expect(data.trainees.edges.some((e) => e.node.enrollments.edges.length > 0)).toBe(true);
    });
    expect(n).toBe(0);
  });

  it('a mutation works on entities, as it may change what it loads; an update of one row reads it plainly (row-update.ts)', async () => {
    let id = '';
    const n = await hydrated(async (c) => {
      const list = await c.raw('{ institutions(first: 1) { edges { node { id version } } } }');
      id = (list.data as { institutions: { edges: { node: { id: string } }[] } }).institutions.edges[0].node.id;
      const res = await c.raw('mutation($id: ID!) { deleteInstitution(id: $id) { deletedId } }', { id });
      expect(res.errors?.[0]?.extensions?.code ?? 'deleted', JSON.stringify(res.errors)).not.toBe('INTERNAL_SERVER_ERROR');
    });
    expect(n).toBeGreaterThan(0);
    const updated = await hydrated(async (c) => {
      const list = await c.raw('{ institutions(first: 1, after: null) { edges { node { id } } } }');
      const node = (list.data as { institutions: { edges: { node: { id: string } }[] } }).institutions.edges[0].node;
      const res = await c.raw('mutation($id: ID!) { updateInstitution(input: { id: $id, name: "Renamed" }) { id name version } }', {
        id: node.id,
      });
      expect(res.errors).toBeUndefined();
    });
    expect(updated).toBe(0);
  });
});

describe("one statement at a time on a request's connection", () => {
  it('sibling root fields and batched loaders never hand the driver a second query while one runs', async () => {
    let inFlight = 0;
    let most = 0;
    const client = await t.as(Role.EDITOR, 'KEMNAKER', async (ctx) => {
      const trx = ctx.em.getTransactionContext() as {
        client: { acquireConnection(): Promise<{ query: (config: unknown, callback?: (err: unknown, res: unknown) => void) => unknown }> };
      };
      const connection = await trx.client.acquireConnection();
      const query = connection.query.bind(connection);
      connection.query = (config: unknown, callback?: (err: unknown, res: unknown) => void) => {
        most = Math.max(most, ++inFlight);
        return query(config, (err: unknown, res: unknown) => {
          inFlight--;
          callback?.(err, res);
        });
      };
    });
    const res = await client.raw(`{ a: institutions(first: 5) { totalCount edges { node { id programs { totalCount } } } }
      b: trainees(first: 5) { totalCount edges { node { id enrollments { edges { node { id } } } } } }
      c: ministries(first: 3) { edges { node { code } } } }`);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.statements).toBeGreaterThan(4);
    expect(most).toBe(1);
  });
});
