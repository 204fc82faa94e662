/**
 * Updates written without the ORM's unit of work (src/data/row-update.ts):
 * for every owned resource, the same change of the same row made plainly, and
 * again through the ORM (the row put back as it was, and held as an entity
 * first, which sends it the ORM's way), answers the same, stores the same row
 * and records the same audit change; a row changed by another
 * transaction meanwhile is refused; the caller's write scope still decides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Context } from '../src/context';
import { entityById } from '../src/data/entity-by-id';
import { updatePlainly } from '../src/data/row-update';
import { Enrollment } from '../src/modules/enrollment/enrollment.entity';
import { Institution } from '../src/modules/institution/institution.entity';
import { Placement } from '../src/modules/placement/placement.entity';
import { Program } from '../src/modules/program/program.entity';
import { ReturneeBusiness } from '../src/modules/returnee-business/returnee-business.entity';
import { Trainee } from '../src/modules/trainee/trainee.entity';
import { AppError } from '../src/shared/errors';
import { Sector } from '../src/shared/enums';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const MINISTRY = 'KEMNAKER';

interface Case {
  entity: { name: string; new (): object };
  /** A row to change, made with the factories. */
  make(em: EntityManager): Promise<{ id: string }>;
  doc: TypedDocumentNode<unknown, { input: never }>;
  input: Record<string, unknown>;
}

async function made<T extends { id: string }>(em: EntityManager, row: T): Promise<T> {
  await em.flush();
  return row;
}

const cases: Case[] = [
  {
    entity: Institution,
    make: async (em) => made(em, f.institution(em, em.getReference('Ministry', ministryId) as never)),
    doc: ops.UpdateInstitutionDocument as never,
    input: { name: 'Renamed plainly', sectors: [Sector.ICT, Sector.TOURISM], annualCapacity: 77, linkAndMatch: true, regency: null },
  },
  {
    entity: Program,
    make: async (em) => {
      const inst = f.institution(em, em.getReference('Ministry', ministryId) as never);
      return made(em, f.program(em, inst));
    },
    doc: ops.UpdateProgramDocument as never,
    input: { title: 'Welding, renamed', targetCountryCodes: ['JP', 'KR'], startDate: '2027-01-04', endDate: '2027-06-30', capacityPerIntake: 12 },
  },
  {
    entity: Trainee,
    make: async (em) => made(em, f.trainee(em, em.getReference('Ministry', ministryId) as never)),
    doc: ops.UpdateTraineeDocument as never,
    input: { fullName: 'Siti Renamed', phone: '+62 813 9999 0000', address: null },
  },
  {
    entity: Enrollment,
    make: async (em) => {
      const prog = f.program(em, f.institution(em, em.getReference('Ministry', ministryId) as never));
      return made(em, f.enrollment(em, prog, f.trainee(em, em.getReference('Ministry', ministryId) as never)));
    },
    doc: ops.UpdateEnrollmentDocument as never,
    input: { completedOn: '2026-02-27', certificateIssuer: 'LSP Las', certificateNumber: 'N-0001' },
  },
  {
    entity: Placement,
    make: async (em) =>
      made(em, f.placement(em, em.getReference('Ministry', ministryId) as never, f.trainee(em, em.getReference('Ministry', ministryId) as never))),
    doc: ops.UpdatePlacementDocument as never,
    input: { employerName: 'Tokai Kogyo', contractEnd: '2029-12-31' },
  },
  {
    entity: ReturneeBusiness,
    make: async (em) => made(em, f.returneeBusiness(em, em.getReference('Ministry', ministryId) as never)),
    doc: ops.UpdateReturneeBusinessDocument as never,
    input: { businessName: 'Warung Baru', employees: 5, financingAmount: 30_000_000 },
  },
];

let ministryId: string;

/** The last audit event about a row, with the update stamp (a time, different in every run) left out. */
async function lastChange(id: string) {
  const [event] = await t
    .em()
    .execute<{ changes: { entity: string; id: string; op: string; fields: Record<string, { before: unknown; after: unknown }> }[] }[]>(
      'select changes from audit_event where entity_id = ? order by seq desc limit 1',
      [id],
    );
  return event.changes.map((c) => {
    const { updatedAt, ...fields } = c.fields;
    expect(updatedAt?.after, 'the update is stamped').toBeTruthy();
    return { ...c, id: 'the row', fields };
  });
}

/** A row's stored columns, without its update stamp. */
async function stored(table: string, id: string): Promise<Record<string, unknown>> {
  const [{ row }] = await t.em().execute<{ row: Record<string, unknown> }[]>(`select to_jsonb(t) as row from ${table} t where id = ?`, [id]);
  const { updated_at, ...rest } = row;
  expect(updated_at).toBeTruthy();
  return rest;
}

/** Puts a row back as `stored` read it (every column, the version included). */
async function putBack(table: string, id: string, row: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(row)
    .filter((c) => c !== 'id')
    .map((c) => `"${c}"`)
    .join(', ');
  await t
    .em()
    .execute(`update ${table} set (${columns}) = (select ${columns} from jsonb_populate_record(null::${table}, ?::jsonb)) where id = ?`, [
      JSON.stringify(row),
      id,
    ]);
}

describe('an update written plainly', () => {
  beforeAll(async () => {
    ministryId = (await t.ministry(MINISTRY)).id;
  });

  for (const c of cases) {
    it(`${c.entity.name}: answers, stores and audits exactly as the same update through the ORM`, async () => {
      const row = await c.make(t.em());
      const table = t.em().getMetadata().get(c.entity.name).tableName;
      const original = await stored(table, row.id);
      const input = { input: { id: f.gid(row as never), ...c.input } as never };
      const plainly = await t.as(Role.EDITOR, MINISTRY);
      const first = await plainly.exec(c.doc, input);
      const afterFirst = await stored(table, row.id);
      const firstChange = await lastChange(row.id);
      await putBack(table, row.id, original);
      // Holding the row as an entity before the mutation runs sends it the ORM's way (see row-update.ts).
      const throughOrm = await t.as(Role.EDITOR, MINISTRY, async (ctx: Context) => {
        await entityById(ctx.em, c.entity as never, row.id);
      });
      const second = await throughOrm.exec(c.doc, input);
      expect(expectOk(first)).toEqual(expectOk(second));
      expect(Object.values(expectOk(first) as Record<string, { version: number }>)[0].version).toBe((original.version as number) + 1);
      // The plain way reads the row by its key alone (row-level security scopes it), with BEGIN, as the update
      // names it (row-update.ts: rowAheadOf); the ORM's reads it again, with its scope filter.
      const byKey = `from "${table}" as t0 where t0."id" = '${row.id}' limit 1`;
      expect(first.sql[0].endsWith(byKey), first.sql[0]).toBe(true);
      expect(first.sql.filter((q) => q.includes(`as t0 where t0."id" =`))).toHaveLength(1);
      expect(second.sql.slice(1).some((q) => q.includes(`from "${table}" as `) && q.includes(row.id) && !q.startsWith('update'))).toBe(true);
      expect(afterFirst).toEqual(await stored(table, row.id));
      expect(afterFirst).not.toEqual(original);
      expect(firstChange).toEqual(await lastChange(row.id));
    });
  }

  it('refuses a row another transaction changed after it was read, and writes nothing', async () => {
    const inst = await cases[0].make(t.em());
    const editor = await t.as(Role.EDITOR, MINISTRY);
    const ctx = await t.app.context(`Bearer ${editor.token}`);
    await ctx.begin();
    try {
      const change = async (row: Institution) => {
        // Another transaction commits a change of the same row in between.
        await t.em().execute('update institution set name = ?, version = version + 1 where id = ?', ['Theirs', inst.id]);
        row.name = 'Mine';
      };
      const refused = await updatePlainly(ctx, Institution, inst.id, 'input.id', change).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ extensions: { code: 'CONFLICT', field: 'expectedVersion' } });
    } finally {
      await ctx.end(false);
    }
    const [row] = await t.em().execute<{ name: string; version: number }[]>('select name, version from institution where id = ?', [inst.id]);
    expect(row).toEqual({ name: 'Theirs', version: 2 });
  });

  it("refuses another ministry's row as FORBIDDEN, as a missing one, and changes nothing", async () => {
    const theirs = await cases[0].make(t.em());
    const other = await t.as(Role.EDITOR, 'KEMENKES');
    const res = await other.exec(ops.UpdateInstitutionDocument, { input: { id: f.gid(theirs as never), name: 'Taken over' } });
    expectError(res, 'FORBIDDEN', 'input.id');
    const missing = await other.exec(ops.UpdateInstitutionDocument, {
      input: { id: f.gid({ id: '00000000-0000-4000-8000-000000000000', constructor: Institution } as never), name: 'Ghost' },
    });
    expect(missing.errors?.[0]).toEqual(res.errors?.[0] && { ...res.errors[0], path: missing.errors?.[0].path, locations: missing.errors?.[0].locations });
    const [row] = await t.em().execute<{ name: string; version: number }[]>('select name, version from institution where id = ?', [theirs.id]);
    expect(row.version).toBe(1);
  });

  it('takes the ORM way when nothing would record the change (no recorder of row writes): never unrecorded', async () => {
    const inst = await cases[0].make(t.em());
    const editor = await t.as(Role.EDITOR, MINISTRY);
    const ctx = await t.app.context(`Bearer ${editor.token}`);
    await ctx.begin();
    const subscribers = ctx.em.getEventManager().getSubscribers();
    const recorders = [...subscribers].filter((s) => 'recordRowUpdate' in s);
    expect(recorders).toHaveLength(1);
    for (const r of recorders) subscribers.delete(r);
    try {
      expect(await updatePlainly(ctx, Institution, inst.id, 'input.id', async (row: Institution) => void (row.name = 'Unrecorded'))).toBeNull();
    } finally {
      for (const r of recorders) subscribers.add(r);
      await ctx.end(false);
    }
  });

  it('an update that changes nothing writes nothing and records no change', async () => {
    const inst = await cases[0].make(t.em());
    const editor = await t.as(Role.EDITOR, MINISTRY);
    const [row] = await t.em().execute<{ name: string }[]>('select name from institution where id = ?', [inst.id]);
    const res = await editor.exec(ops.UpdateInstitutionDocument, { input: { id: f.gid(inst as never), name: row.name } });
    expect(expectOk(res).updateInstitution.version).toBe(1);
    expect(res.sql.filter((q) => q.startsWith('update '))).toEqual([]);
    const [event] = await t.em().execute<{ changes: unknown[] }[]>('select changes from audit_event where entity_id = ? order by seq desc limit 1', [inst.id]);
    expect(event.changes).toEqual([]);
  });
});
