/**
 * Every mutation four ways: success, bad input (BAD_USER_INPUT naming the field,
 * nothing written), FORBIDDEN (a VIEWER; an EDITOR on another ministry's row),
 * UNAUTHENTICATED. One table of specs, one entry per entity a ministry edits.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import * as ops from './generated/graphql';
import { OWNED_RESOURCES } from '../src/modules';
import type { Fixture } from '../src/resource/resource';
import { Enrollment } from '../src/modules/enrollment/enrollment.entity';
import { Institution } from '../src/modules/institution/institution.entity';
import { Placement } from '../src/modules/placement/placement.entity';
import { Program } from '../src/modules/program/program.entity';
import { ReturneeBusiness } from '../src/modules/returnee-business/returnee-business.entity';
import { Trainee } from '../src/modules/trainee/trainee.entity';
import type { Ministry } from '../src/data/ministry.entity';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

type Input = Record<string, unknown>;
type World = f.World;
type Doc = TypedDocumentNode<any, any>;

interface Spec {
  name: string;
  entity: { name: string } & (new () => object);
  create: Doc;
  update: Doc;
  remove: Doc;
  fixture: Fixture;
  /** The created row as returned: a field to compare with the input. */
  check: string;
  row(w: World): { id: string; constructor: { name: string } };
}

/** A field of the valid input that the created row answers as it was sent: the first plain text or enum value. */
const checkOf = (input: Input) => Object.keys(input).find((k) => typeof input[k] === 'string' && !k.endsWith('Id')) as string;

/** One spec per resource made from fields (ownedResource), from its declaration's fixture: a resource without one fails here. */
const specs: Spec[] = OWNED_RESOURCES.filter((r) => r.fields).map((r) => {
  if (!r.fixture || !r.node) throw new Error(`${r.name} declares no test fixture`);
  return {
    name: r.name,
    entity: r.node as Spec['entity'],
    fixture: r.fixture,
    check: '',
    // Made once the valid input, and with it the field to check, is known.
    create: parse(`mutation { __typename }`),
    update: parse(`mutation($input: Update${r.name}Input!) { update${r.name}(input: $input) { id version ${Object.keys(r.fixture.change).join(' ')} } }`),
    remove: parse(`mutation($id: ID!) { delete${r.name}(id: $id) { deletedId } }`),
    row: (w) => w[f.worldKey(r.name)],
  };
});

/** Deletes the rows that still refer to row `id` of `type` (restrict rules), theirs first. */
async function removeDependants(em: EntityManager, type: string, id: string): Promise<void> {
  for (const r of OWNED_RESOURCES) {
    for (const [key, field] of Object.entries(r.fields ?? {})) {
      if (field.reference?.target().name !== type || !r.node) continue;
      for (const row of (await em.find(r.node, { [key]: id } as never)) as { id: string }[]) await removeDependants(em, r.name, row.id);
      await em.nativeDelete(r.node, { [key]: id } as never);
    }
  }
}

let t: TestApp;
let editor: Client, viewer: Client, foreignEditor: Client, anonymous: Client;
let own: World, foreign: World;
let kemenperin: Ministry;

beforeAll(async () => {
  t = await startTestApp();
  kemenperin = await t.ministry('KEMENPERIN');
  [editor, viewer, foreignEditor] = await Promise.all([t.as(Role.EDITOR, 'KEMENPERIN'), t.as(Role.VIEWER, 'KEMENPERIN'), t.as(Role.EDITOR, 'KESDM')]);
  anonymous = t.anonymous();
});
afterAll(() => t.close());

const count = (entity: Spec['entity']) => t.em().count(entity as never, {});

describe.each(specs)('$name mutations', (spec) => {
  let valid: Input;
  beforeAll(async () => {
    own = await f.ministryWorld(t.em(), kemenperin);
    foreign = await f.ministryWorld(t.em(), await t.ministry('KESDM'));
    const byType = Object.fromEntries(f.FIXTURED.map((r) => [r.name, own[f.worldKey(r.name)]]));
    const em = t.em();
    const fresh = async (type: string) => {
      const row = f.make(em, type, kemenperin, byType);
      await em.flush();
      return row as { id: string };
    };
    valid = await spec.fixture.create(byType, fresh, Date.now() % 9000);
    spec.check = checkOf(valid);
    spec.create = parse(`mutation($input: Create${spec.name}Input!) { create${spec.name}(input: $input) { id version ownerMinistry { code } ${spec.check} } }`);
  });

  it('create: an EDITOR creates a row owned by its own ministry', async () => {
    const data = expectOk(await editor.exec(spec.create, { input: valid }));
    const row = data[`create${spec.name}`];
    expect(valid[spec.check]).toBeDefined();
    expect(row[spec.check]).toBe(valid[spec.check]);
    expect(row.ownerMinistry.code).toBe('KEMENPERIN');
    expect(row.version).toBe(1);
    await t.em().nativeDelete(spec.entity as never, { id: Buffer.from(row.id, 'base64url').toString().split(':')[1] });
  });

  it.each(spec.fixture.bad.map((b) => [...b]))('create: %s is BAD_USER_INPUT and writes nothing', async (_label, make, fieldName) => {
    const before = await count(spec.entity);
    expectError(await editor.exec(spec.create, { input: make(valid) }), 'BAD_USER_INPUT', fieldName);
    expect(await count(spec.entity)).toBe(before);
  });

  it('create: a VIEWER is FORBIDDEN, anonymous is UNAUTHENTICATED, nothing written', async () => {
    const before = await count(spec.entity);
    expectError(await viewer.exec(spec.create, { input: valid }), 'FORBIDDEN');
    expectError(await anonymous.exec(spec.create, { input: valid }), 'UNAUTHENTICATED');
    expect(await count(spec.entity)).toBe(before);
  });

  it('update: changes only the fields sent and bumps the version', async () => {
    const id = f.gid(spec.row(own));
    const data = expectOk(await editor.exec(spec.update, { input: { id, expectedVersion: 1, ...spec.fixture.change } }));
    const row = data[`update${spec.name}`];
    for (const [k, v] of Object.entries(spec.fixture.change)) expect(row[k]).toEqual(v);
    expect(row.version).toBe(2);
  });

  it('update: a stale expectedVersion is CONFLICT', async () => {
    const id = f.gid(spec.row(own));
    expectError(await editor.exec(spec.update, { input: { id, expectedVersion: 1, ...spec.fixture.change } }), 'CONFLICT', 'input.expectedVersion');
  });

  it('update: bad input is BAD_USER_INPUT and changes nothing', async () => {
    const row = spec.row(own);
    const before = JSON.stringify(await t.em().findOne(spec.entity as never, { id: row.id }));
    expectError(await editor.exec(spec.update, { input: { id: f.gid(row), ...spec.fixture.badChange[0] } }), 'BAD_USER_INPUT', spec.fixture.badChange[1]);
    expect(JSON.stringify(await t.em().findOne(spec.entity as never, { id: row.id }))).toBe(before);
  });

  it("update: FORBIDDEN for a VIEWER and for another ministry's row; UNAUTHENTICATED anonymous; nothing changes", async () => {
    const mine = spec.row(own);
    const theirs = spec.row(foreign);
    const before = JSON.stringify(await t.em().find(spec.entity as never, { id: { $in: [mine.id, theirs.id] } }, { orderBy: { id: 'asc' } as never }));
    expectError(await viewer.exec(spec.update, { input: { id: f.gid(mine), ...spec.fixture.change } }), 'FORBIDDEN');
    expectError(await editor.exec(spec.update, { input: { id: f.gid(theirs), ...spec.fixture.change } }), 'FORBIDDEN', 'input.id');
    expectError(await foreignEditor.exec(spec.update, { input: { id: f.gid(mine), ...spec.fixture.change } }), 'FORBIDDEN', 'input.id');
    expectError(await anonymous.exec(spec.update, { input: { id: f.gid(mine), ...spec.fixture.change } }), 'UNAUTHENTICATED');
    expect(JSON.stringify(await t.em().find(spec.entity as never, { id: { $in: [mine.id, theirs.id] } }, { orderBy: { id: 'asc' } as never }))).toBe(before);
  });

  it("delete: FORBIDDEN for a VIEWER and another ministry's row, UNAUTHENTICATED anonymous, BAD_USER_INPUT for a malformed id", async () => {
    const mine = spec.row(own);
    const theirs = spec.row(foreign);
    expectError(await viewer.exec(spec.remove, { id: f.gid(mine) }), 'FORBIDDEN');
    expectError(await editor.exec(spec.remove, { id: f.gid(theirs) }), 'FORBIDDEN', 'id');
    expectError(await anonymous.exec(spec.remove, { id: f.gid(mine) }), 'UNAUTHENTICATED');
    expectError(await editor.exec(spec.remove, { id: 'not-an-id' }), 'BAD_USER_INPUT', 'id');
    expect(await t.em().count(spec.entity as never, { id: { $in: [mine.id, theirs.id] } })).toBe(2);
  });

  it('delete: an EDITOR deletes its own row', async () => {
    const mine = spec.row(own);
    await removeDependants(t.em(), spec.name, mine.id);
    const data = expectOk(await editor.exec(spec.remove, { id: f.gid(mine) }));
    expect(data[`delete${spec.name}`].deletedId).toBe(f.gid(mine));
    expect(await t.em().count(spec.entity as never, { id: mine.id })).toBe(0);
    // Gone through the API too, not only from the table.
    expect(expectOk(await editor.exec(ops.NodeDocument, { id: f.gid(mine) })).node).toBeNull();
  });
});

describe('delete of a row other rows still refer to', () => {
  it('is CONFLICT saying so, and the row and its dependants stay', async () => {
    const em = t.em();
    const inst = f.institution(em, kemenperin);
    const prog = f.program(em, inst);
    const person = f.trainee(em, kemenperin);
    f.enrollment(em, prog, person);
    await em.flush();
    for (const [doc, row] of [
      [ops.DeleteInstitutionDocument, inst],
      [ops.DeleteProgramDocument, prog],
      [ops.DeleteTraineeDocument, person],
    ] as const) {
      const res = await editor.exec(doc as TypedDocumentNode<unknown, { id: string }>, { id: f.gid(row) });
      expectError(res, 'CONFLICT');
      expect(res.errors?.[0].message).toMatch(/Other records still refer to this one/);
    }
    expect(await t.em().count(Institution, { id: inst.id })).toBe(1);
    expect(await t.em().count(Program, { id: prog.id })).toBe(1);
    expect(await t.em().count(Trainee, { id: person.id })).toBe(1);
  });
});
