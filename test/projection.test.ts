/**
 * Lists read only the columns their selection needs (data/projection.ts).
 * Whatever a client selects, every field must answer exactly as it does when
 * every field of its type is selected (and so, for fields whose reads are not
 * known, every column is read): for each root list of the schema, and for the
 * relations and references one level below, each field is asked alone and
 * compared. A field resolver given a row without the column it reads would
 * answer null, or mask or log wrongly, and fail here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { naming } from '../src/resource/naming';
import { expectOk } from './support/expect';
import { FIXTURED, ministryWorld, signedMou } from './support/factories';
import { startTestApp, type Client, type TestApp } from './support/test-app';
import { toGlobalId } from '../src/shared/global-id';

const schema = buildSchema(readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8'));
const query = schema.getQueryType() as GraphQLObjectType;

let t: TestApp;
let owner: Client;
let partner: Client;
beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [kemnaker, kesdm] = [await t.ministry('KEMNAKER'), await t.ministry('KESDM')];
  for (let i = 0; i < 3; i++) await ministryWorld(em, kemnaker);
  await ministryWorld(em, kesdm);
  // KESDM reads KEMNAKER's rows of every kind a clause shares (from the declarations), personal data masked.
  const all = FIXTURED.flatMap((r) => (r.owned?.clause ? [r.owned.clause] : []));
  await signedMou(em, kemnaker, kesdm, [{ provider: kemnaker, recipient: kesdm, resources: all }]);
  owner = await t.as(Role.VIEWER, 'KEMNAKER');
  partner = await t.as(Role.VIEWER, 'KESDM');
});
afterAll(() => t.close());

const isConnection = (type: GraphQLOutputType) => isObjectType(getNamedType(type)) && getNamedType(type).name.endsWith('Connection');
const askable = (f: GraphQLField<unknown, unknown>) => f.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined);

/** A selection of `field` that answers something comparable: its value, an object's typename and id, a connection's count. */
function selectionOf(f: GraphQLField<unknown, unknown>, depth: number): string | null {
  if (!askable(f)) return null;
  const named = getNamedType(f.type);
  if (isScalarType(named) || isEnumType(named)) return f.name;
  if (isConnection(f.type)) {
    const node = nodeTypeOf(f.type);
    return depth > 0 && node ? `${f.name} { totalCount edges { node { __typename ${allFields(node, depth - 1)} } } }` : `${f.name} { totalCount }`;
  }
  if (isObjectType(named)) {
    const id = named.getFields().id ? ' id' : '';
    return depth > 0 && !isListType(f.type) ? `${f.name} { __typename ${allFields(named, depth - 1)} }` : `${f.name} { __typename${id} }`;
  }
  return null;
}

function nodeTypeOf(connection: GraphQLOutputType): GraphQLObjectType | null {
  const edges = (getNamedType(connection) as GraphQLObjectType).getFields().edges;
  const node = edges && (getNamedType(edges.type) as GraphQLObjectType).getFields().node;
  return node && isObjectType(getNamedType(node.type)) ? (getNamedType(node.type) as GraphQLObjectType) : null;
}

function allFields(type: GraphQLObjectType, depth: number): string {
  return Object.values(type.getFields())
    .map((f) => selectionOf(f, depth))
    .filter((s): s is string => s !== null)
    .join(' ');
}

/** One selection per leaf below `type`, each alone with the path that leads to it (relations and references `depth` levels down). */
function leaves(type: GraphQLObjectType, depth: number): string[] {
  const out: string[] = [];
  for (const f of Object.values(type.getFields())) {
    if (!askable(f) || f.name === 'id') continue;
    const named = getNamedType(f.type);
    if (isConnection(f.type) && depth > 0) {
      const node = nodeTypeOf(f.type);
      out.push(`${f.name} { totalCount }`);
      if (node) for (const leaf of leaves(node, depth - 1)) out.push(`${f.name} { edges { node { __typename ${leaf} } } }`);
    } else if (isObjectType(named) && !isConnection(f.type) && !isListType(f.type) && depth > 0) {
      for (const leaf of leaves(named, depth - 1)) out.push(`${f.name} { __typename ${leaf} }`);
    } else {
      const selection = selectionOf(f, 0);
      if (selection) out.push(selection);
    }
  }
  return out;
}

/** `full` cut down to the shape of `part` (same keys, element by element). */
function prune(full: unknown, part: unknown): unknown {
  if (Array.isArray(part) && Array.isArray(full)) return full.map((x, i) => prune(x, part[i] ?? x));
  if (part && typeof part === 'object' && full && typeof full === 'object')
    return Object.fromEntries(Object.keys(part).map((k) => [k, prune((full as Record<string, unknown>)[k], (part as Record<string, unknown>)[k])]));
  return full;
}

/** The root lists of the query type. */
const lists = Object.values(query.getFields()).filter((f) => isConnection(f.type) && askable(f));

describe('lists read only the columns their selection needs', () => {
  it('has the list of every declared resource to check', () => {
    expect(lists.map((l) => l.name)).toEqual(expect.arrayContaining(FIXTURED.map((r) => naming.list(r.name))));
  });

  for (const list of lists) {
    it(`${list.name}: each field, and each field of its relations and references, answers alone as it does among all`, async () => {
      const node = nodeTypeOf(list.type) as GraphQLObjectType;
      let compared = 0;
      for (const c of [owner, partner]) {
        const full = await c.raw(`{ ${list.name}(first: 50) { edges { node { __typename ${allFields(node, 1)} } } } }`);
        // Some lists are not for ministry staff (accounts, the audit log): nothing to compare for them.
        if (full.errors?.some((e) => e.extensions?.code === 'FORBIDDEN')) continue;
        const all = expectOk(full);
        for (const leaf of leaves(node, 1)) {
          const alone = expectOk(await c.raw(`{ ${list.name}(first: 50) { edges { node { __typename ${leaf} } } } }`));
          expect(alone, `${list.name} { ${leaf} }`).toEqual(prune(all, alone));
          compared++;
        }
      }
      // Every declared resource's list has fields enough to compare, for the owner and the partner alike.
      if (FIXTURED.some((r) => naming.list(r.name) === list.name)) expect(compared).toBeGreaterThan(20);
    });
  }
});

describe('a record read by id reads its relation pages with itself', () => {
  // Every type with relations: the record's pages, read with it, answer as the same pages read under a list.
  const withRelations = lists
    .map((l) => ({ list: l.name, type: nodeTypeOf(l.type) as GraphQLObjectType }))
    .filter(({ type }) => type.getInterfaces().some((i) => i.name === 'Node') && Object.values(type.getFields()).some((f) => isConnection(f.type)));

  it('has records with relations to check', () => {
    // Every declared resource with children (connections) is among them.
    expect(withRelations.map((w) => w.type.name)).toEqual(expect.arrayContaining(FIXTURED.filter((r) => r.childRelations?.length).map((r) => r.name)));
  });

  for (const { list, type } of withRelations) {
    it(`node(id) of a ${type.name}: its relations answer as under ${list}`, async () => {
      const relations = Object.values(type.getFields())
        .filter((f) => isConnection(f.type))
        .map((f) => selectionOf(f, 1))
        .join(' ');
      for (const c of [owner, partner]) {
        const rows = expectOk(await c.raw(`{ ${list}(first: 50) { edges { node { id ${relations} } } } }`))[list].edges as { node: Record<string, unknown> }[];
        expect(rows.length).toBeGreaterThan(0);
        for (const { node: row } of rows) {
          const res = await c.raw(`{ node(id: "${row.id}") { ... on ${type.name} { id ${relations} } } }`);
          expect(expectOk(res).node, `${type.name} ${row.id}`).toEqual(row);
          // (The statements this takes are counted in pagination.test.ts.)
        }
      }
    });
  }
});

describe('mutations read whole rows', () => {
  it("a mutation's answer that pages children leaves no partial entity for the next mutation of the operation", async () => {
    const em = t.em();
    const kemnaker = await t.ministry('KEMNAKER');
    const world = await ministryWorld(em, kemnaker);
    const editor = await t.as(Role.EDITOR, 'KEMNAKER');
    const before = { title: world.program.title, sector: world.program.sector, capacity: world.program.capacityPerIntake };
    const res = await editor.raw(
      `mutation($i: ID!, $p: ID!) {
        a: updateInstitution(input: { id: $i, name: "Renamed" }) { programs(first: 5) { edges { node { id } } } }
        b: updateProgram(input: { id: $p, capacityPerIntake: 7 }) { id title sector capacityPerIntake }
      }`,
      { i: toGlobalId('Institution', world.institution.id), p: toGlobalId('Program', world.program.id) },
    );
    const data = expectOk(res) as { b: { title: string; sector: string; capacityPerIntake: number } };
    expect(data.b).toMatchObject({ title: before.title, sector: before.sector, capacityPerIntake: 7 });
    const [row] = await em.getConnection().execute('select title, sector, capacity_per_intake from program where id = ?', [world.program.id]);
    expect(row).toEqual({ title: before.title, sector: before.sector, capacity_per_intake: 7 });
  });
});
