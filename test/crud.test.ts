/**
 * Every mutation four ways: success, bad input (BAD_USER_INPUT naming the field,
 * nothing written), FORBIDDEN (a VIEWER; an EDITOR on another ministry's row),
 * UNAUTHENTICATED. One table of specs, one entry per entity a ministry edits.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import * as ops from './generated/graphql';
import { Enrollment } from '../src/modules/enrollment/enrollment.entity';
import { Institution } from '../src/modules/institution/institution.entity';
import { Placement } from '../src/modules/placement/placement.entity';
import { Program } from '../src/modules/program/program.entity';
import { ReturneeBusiness } from '../src/modules/returnee-business/returnee-business.entity';
import { Trainee } from '../src/modules/trainee/trainee.entity';
import type { Ministry } from '../src/kernel/ministry.entity';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

type Input = Record<string, unknown>;
type World = Awaited<ReturnType<typeof f.ministryWorld>>;

interface Spec {
  name: string;
  entity: { name: string } & (new () => object);
  create: TypedDocumentNode<any, any>;
  update: TypedDocumentNode<any, any>;
  remove: TypedDocumentNode<any, any>;
  /** A valid create input; `own` is a world of the caller's ministry. */
  input(own: World, em: EntityManager, owner: Ministry): Promise<Input> | Input;
  /** Inputs that must be refused, each with the field that must be named. */
  bad: [string, (valid: Input) => Input, string][];
  change: Input;
  badChange: [Input, string];
  /** The created row as returned: a field to compare with `input`. */
  check: string;
  /** Rows of this world that must be deleted before the record itself (restrict rules). */
  row(w: World): { id: string; constructor: { name: string } };
  prepareDelete?(t: TestApp, w: World): Promise<void>;
}

const specs: Spec[] = [
  {
    name: 'Institution',
    entity: Institution,
    create: ops.CreateInstitutionDocument,
    update: ops.UpdateInstitutionDocument,
    remove: ops.DeleteInstitutionDocument,
    input: () => ({
      name: 'BLK Test Malang',
      type: 'TRAINING_CENTRE',
      provinceCode: '35',
      annualCapacity: 480,
      sectors: ['TOURISM', 'HEALTH'],
      pmiPreparation: true,
    }),
    bad: [
      ['negative capacity', (v) => ({ ...v, annualCapacity: -1 }), 'input.annualCapacity'],
      ['unknown province', (v) => ({ ...v, provinceCode: '99' }), 'input.provinceCode'],
      ['empty name', (v) => ({ ...v, name: '' }), 'input.name'],
    ],
    change: { annualCapacity: 999, name: 'BLK Renamed' },
    badChange: [{ annualCapacity: -5 }, 'input.annualCapacity'],
    check: 'name',
    row: (w) => w.institution,
    prepareDelete: async (t, w) => {
      const em = t.em();
      await em.nativeDelete(Placement, { trainee: w.trainee.id });
      await em.nativeDelete(ReturneeBusiness, { trainee: w.trainee.id });
      await em.nativeDelete(Enrollment, { program: w.program.id });
      await em.nativeDelete(Program, { institution: w.institution.id });
    },
  },
  {
    name: 'Program',
    entity: Program,
    create: ops.CreateProgramDocument,
    update: ops.UpdateProgramDocument,
    remove: ops.DeleteProgramDocument,
    input: (own) => ({
      institutionId: f.gid(own.institution),
      title: 'Caregiver for Japan',
      sector: 'HEALTH',
      targetCountryCodes: ['JP', 'TW'],
      capacityPerIntake: 30,
      startDate: '2026-01-05',
      endDate: '2026-06-30',
    }),
    bad: [
      ['unknown country code', (v) => ({ ...v, targetCountryCodes: ['XX'] }), 'input.targetCountryCodes'],
      ['malformed country code', (v) => ({ ...v, targetCountryCodes: ['japan'] }), 'input.targetCountryCodes'],
      ['household work to a country under moratorium', (v) => ({ ...v, targetCountryCodes: ['SA'], forHouseholdWork: true }), 'input.targetCountryCodes'],
      ['negative capacity', (v) => ({ ...v, capacityPerIntake: -3 }), 'input.capacityPerIntake'],
      ['end before start', (v) => ({ ...v, endDate: '2025-01-01' }), 'input.endDate'],
      ['not an institution id', (v) => ({ ...v, institutionId: 'nonsense' }), 'input.institutionId'],
    ],
    change: { status: 'OPEN', capacityPerIntake: 40 },
    badChange: [{ targetCountryCodes: ['QA'], forHouseholdWork: true }, 'input.targetCountryCodes'],
    check: 'title',
    row: (w) => w.program,
    prepareDelete: async (t, w) => void (await t.em().nativeDelete(Enrollment, { program: w.program.id })),
  },
  {
    name: 'Trainee',
    entity: Trainee,
    create: ops.CreateTraineeDocument,
    update: ops.UpdateTraineeDocument,
    remove: ops.DeleteTraineeDocument,
    input: () => ({
      nik: f.validNik('FEMALE' as never, '1999-02-03'),
      fullName: 'Siti Aminah',
      sex: 'FEMALE',
      birthDate: '1999-02-03',
      originProvinceCode: '35',
      phone: '+62 812 3456 7890',
      email: 'siti@mail.example',
    }),
    bad: [
      ['malformed NIK', (v) => ({ ...v, nik: '12345' }), 'input.nik'],
      ['NIK of a man for a woman', (v) => ({ ...v, sex: 'MALE' }), 'input.nik'],
      ['NIK disagreeing with birth date', (v) => ({ ...v, birthDate: '1999-02-04' }), 'input.nik'],
      ['under 18', (v) => ({ ...v, birthDate: '2015-01-01' }), 'input.birthDate'],
      ['bad e-mail', (v) => ({ ...v, email: 'not-mail' }), 'input.email'],
      ['unknown province', (v) => ({ ...v, originProvinceCode: '00' }), 'input.originProvinceCode'],
    ],
    change: { fullName: 'Siti Aminah Putri', status: 'IN_TRAINING' },
    badChange: [{ sex: 'MALE' }, 'input.nik'],
    check: 'fullName',
    row: (w) => w.trainee,
    prepareDelete: async (t, w) => {
      await t.em().nativeDelete(Enrollment, { trainee: w.trainee.id });
      await t.em().nativeDelete(Placement, { trainee: w.trainee.id });
    },
  },
  {
    name: 'Enrollment',
    entity: Enrollment,
    create: ops.CreateEnrollmentDocument,
    update: ops.UpdateEnrollmentDocument,
    remove: ops.DeleteEnrollmentDocument,
    input: async (own, em, owner) => {
      const person = f.trainee(em, owner);
      await em.flush();
      return { programId: f.gid(own.program), traineeId: f.gid(person), status: 'ENROLLED', enrolledOn: '2026-01-05' };
    },
    bad: [
      ['completed before enrolled', (v) => ({ ...v, completedOn: '2025-01-01' }), 'input.completedOn'],
      ['a programme id that is not a Program', (v) => ({ ...v, programId: v.traineeId }), 'input.programId'],
    ],
    change: { status: 'COMPLETED', completedOn: '2026-06-30', certificateIssuer: 'LSP Pariwisata', certificateNumber: 'LSP-001' },
    badChange: [{ completedOn: '2020-01-01' }, 'input.completedOn'],
    check: 'status',
    row: (w) => w.enrollment,
  },
  {
    name: 'ReturneeBusiness',
    entity: ReturneeBusiness,
    create: ops.CreateReturneeBusinessDocument,
    update: ops.UpdateReturneeBusinessDocument,
    remove: ops.DeleteReturneeBusinessDocument,
    input: (own) => ({
      returneeName: 'Dewi Lestari',
      returneeNik: f.validNik(),
      traineeId: f.gid(own.trainee),
      businessName: 'Kopi Purna',
      kbliCode: '56303',
      villageCode: '3507122001',
      provinceCode: '35',
      employees: 3,
      financingType: 'KUR',
      financingAmount: 50000000,
    }),
    bad: [
      ['bad KBLI', (v) => ({ ...v, kbliCode: '5A' }), 'input.kbliCode'],
      ['village outside province', (v) => ({ ...v, villageCode: '3307122001' }), 'input.villageCode'],
      ['negative employees', (v) => ({ ...v, employees: -1 }), 'input.employees'],
      ['malformed NIK', (v) => ({ ...v, returneeNik: '1' }), 'input.returneeNik'],
    ],
    change: { employees: 5, mentoringSessions: 4 },
    badChange: [{ financingAmount: -10 }, 'input.financingAmount'],
    check: 'businessName',
    row: (w) => w.returneeBusiness,
  },
  {
    name: 'Placement',
    entity: Placement,
    create: ops.CreatePlacementDocument,
    update: ops.UpdatePlacementDocument,
    remove: ops.DeletePlacementDocument,
    input: (own) => ({
      traineeId: f.gid(own.trainee),
      destinationCountryCode: 'JP',
      employerName: 'Yamato Kaigo K.K.',
      employerType: 'COMPANY',
      jobTitle: 'Caregiver',
      sector: 'HEALTH',
      scheme: 'SSW_JAPAN',
      contractStart: '2026-07-01',
      contractEnd: '2029-06-30',
      departureDate: '2026-06-15',
    }),
    bad: [
      [
        'a household employer where a moratorium applies',
        (v) => ({ ...v, destinationCountryCode: 'SA', employerType: 'INDIVIDUAL', scheme: 'P_TO_P' }),
        'input.destinationCountryCode',
      ],
      ['an unknown destination', (v) => ({ ...v, destinationCountryCode: 'XX' }), 'input.destinationCountryCode'],
      ['contract ending before it starts', (v) => ({ ...v, contractEnd: '2026-01-01' }), 'input.contractEnd'],
      ['departure before the trainee turns 18', (v) => ({ ...v, departureDate: '2015-06-15' }), 'input.departureDate'],
      ['departed without a departure date', (v) => ({ ...v, status: 'DEPARTED', departureDate: null }), 'input.departureDate'],
      [
        'a trainee id that is not a Trainee',
        (v) => ({ ...v, traineeId: f.gid({ id: '01a00000-0000-7000-8000-000000000001', constructor: { name: 'Program' } } as never) }),
        'input.traineeId',
      ],
    ],
    change: { status: 'DEPARTED', departureDate: '2026-06-20', jobTitle: 'Senior caregiver' },
    badChange: [{ employerType: 'INDIVIDUAL', destinationCountryCode: 'QA' }, 'input.destinationCountryCode'],
    check: 'employerName',
    row: (w) => w.placement,
  },
];

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
    valid = await spec.input(own, t.em(), kemenperin);
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

  it.each(spec.bad)('create: %s is BAD_USER_INPUT and writes nothing', async (_label, make, fieldName) => {
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
    const data = expectOk(await editor.exec(spec.update, { input: { id, expectedVersion: 1, ...spec.change } }));
    const row = data[`update${spec.name}`];
    for (const [k, v] of Object.entries(spec.change)) expect(row[k]).toEqual(v);
    expect(row.version).toBe(2);
  });

  it('update: a stale expectedVersion is CONFLICT', async () => {
    const id = f.gid(spec.row(own));
    expectError(await editor.exec(spec.update, { input: { id, expectedVersion: 1, ...spec.change } }), 'CONFLICT', 'input.expectedVersion');
  });

  it('update: bad input is BAD_USER_INPUT and changes nothing', async () => {
    const row = spec.row(own);
    const before = JSON.stringify(await t.em().findOne(spec.entity as never, { id: row.id }));
    expectError(await editor.exec(spec.update, { input: { id: f.gid(row), ...spec.badChange[0] } }), 'BAD_USER_INPUT', spec.badChange[1]);
    expect(JSON.stringify(await t.em().findOne(spec.entity as never, { id: row.id }))).toBe(before);
  });

  it("update: FORBIDDEN for a VIEWER and for another ministry's row; UNAUTHENTICATED anonymous; nothing changes", async () => {
    const mine = spec.row(own);
    const theirs = spec.row(foreign);
    const before = JSON.stringify(await t.em().find(spec.entity as never, { id: { $in: [mine.id, theirs.id] } }, { orderBy: { id: 'asc' } as never }));
    expectError(await viewer.exec(spec.update, { input: { id: f.gid(mine), ...spec.change } }), 'FORBIDDEN');
    expectError(await editor.exec(spec.update, { input: { id: f.gid(theirs), ...spec.change } }), 'FORBIDDEN', 'input.id');
    expectError(await foreignEditor.exec(spec.update, { input: { id: f.gid(mine), ...spec.change } }), 'FORBIDDEN', 'input.id');
    expectError(await anonymous.exec(spec.update, { input: { id: f.gid(mine), ...spec.change } }), 'UNAUTHENTICATED');
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
    await spec.prepareDelete?.(t, own);
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
