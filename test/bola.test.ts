/**
 * Broken object-level authorization: every operation that takes an id is
 * tried by the most privileged account of ministry A (its ADMIN) with ids of
 * ministry B's rows. Reads answer as for a missing id, writes are refused, and
 * nothing of B's changes. A schema check makes sure no id-taking operation is
 * left out of the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, getNamedType, isInputObjectType, parse, type GraphQLArgument, type GraphQLInputType } from 'graphql';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILE } from '../src/schema';
import { Account } from '../src/modules/account/account.entity';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { Enrollment } from '../src/modules/enrollment/enrollment.entity';
import { Institution } from '../src/modules/institution/institution.entity';
import { DataSharingClause, Mou, MouParty } from '../src/modules/mou/mou.entity';
import { ResourceType } from '../src/shared/enums';
import { Program } from '../src/modules/program/program.entity';
import { Placement } from '../src/modules/placement/placement.entity';
import { ReturneeBusiness } from '../src/modules/returnee-business/returnee-business.entity';
import { Trainee } from '../src/modules/trainee/trainee.entity';
import { toGlobalId } from '../src/shared/global-id';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type Result, type TestApp } from './support/test-app';

type Expect = 'null' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'empty' | 'not-readable' | 'header-only';
interface Attack {
  query: string;
  variables: () => Record<string, unknown>;
  expect: Expect;
}

let t: TestApp;
let attacker: Client;
let victim: Awaited<ReturnType<typeof f.ministryWorld>>;
let victimMou: Mou;
let victimClause: DataSharingClause;
let victimAccount: Account;
let own: Awaited<ReturnType<typeof f.ministryWorld>>;
const gid = f.gid;

beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [a, b, c] = await Promise.all(['KEMENPERIN', 'KESDM', 'KEMNAKER'].map((code) => t.ministry(code)));
  own = await f.ministryWorld(em, a);
  victim = await f.ministryWorld(em, b);
  victimMou = em.create(Mou, {
    ownerMinistry: b,
    title: 'B and C',
    scope: 'Between B and C',
    validFrom: '2025-01-01',
    validUntil: '2030-01-01',
    partyMinistryIds: [b.id, c.id],
  });
  em.create(MouParty, { mou: victimMou, ministry: b });
  em.create(MouParty, { mou: victimMou, ministry: c });
  victimClause = em.create(DataSharingClause, {
    mou: victimMou,
    providerMinistry: b,
    recipientMinistry: c,
    resourceTypes: [ResourceType.TRAINEE],
    includesPersonalData: true,
    purpose: 'B shares with C',
  });
  await em.flush();
  attacker = await t.as(Role.ADMIN, 'KEMENPERIN');
  // One change of B's made through the API, so that B's data has audit events to hide.
  const victimEditor = await t.as(Role.EDITOR, 'KESDM');
  const changed = await victimEditor.raw('mutation($id: ID!) { updateInstitution(input: { id: $id, annualCapacity: 7 }) { id } }', {
    id: gid(victim.institution),
  });
  if (changed.errors) throw new Error(JSON.stringify(changed.errors));
  victimAccount = (await t.as(Role.VIEWER, 'KESDM')).account!;
});
afterAll(() => t.close());

const ATTACKS: Record<string, Attack> = {
  node: { query: 'query($id: ID!) { node(id: $id) { id } }', variables: () => ({ id: gid(victim.trainee) }), expect: 'null' },
  explainAccess: {
    query: 'query($id: ID!) { explainAccess(id: $id) { canRead canWrite } }',
    variables: () => ({ id: gid(victim.institution) }),
    expect: 'not-readable',
  },
  dataSubjectAccessReport: {
    query: 'query($nik: String!) { dataSubjectAccessReport(nik: $nik) { records { id } reads { readAt } } }',
    variables: () => ({ nik: victim.trainee.nik }),
    expect: 'empty',
  },
  institutions: {
    query: 'query($m: ID) { institutions(filter: { ownerMinistryId: $m }) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.institution.ownerMinistry.id) }),
    expect: 'empty',
  },
  programs: {
    query: 'query($i: ID) { programs(filter: { institutionId: $i }) { totalCount } }',
    variables: () => ({ i: gid(victim.institution) }),
    expect: 'empty',
  },
  trainees: {
    query: 'query($m: ID) { trainees(filter: { ownerMinistryId: $m }) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'empty',
  },
  enrollments: {
    query: 'query($p: ID, $t: ID) { enrollments(filter: { programId: $p, traineeId: $t }) { totalCount } }',
    variables: () => ({ p: gid(victim.program), t: gid(victim.trainee) }),
    expect: 'empty',
  },
  returneeBusinesses: {
    query: 'query($m: ID) { returneeBusinesses(filter: { ownerMinistryId: $m }) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'empty',
  },
  mous: {
    query: 'query($m: ID) { mous(partyMinistryId: $m) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'empty',
  },
  auditEvents: {
    query: 'query($m: ID, $e: ID) { auditEvents(ministryId: $m, entityId: $e) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id), e: gid(victim.institution) }),
    expect: 'empty',
  },
  institutionsCsv: {
    query: 'query($m: ID) { institutionsCsv(filter: { ownerMinistryId: $m }) }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'header-only',
  },
  programsCsv: {
    query: 'query($i: ID) { programsCsv(filter: { institutionId: $i }) }',
    variables: () => ({ i: gid(victim.institution) }),
    expect: 'header-only',
  },
  traineesCsv: {
    query: 'query($m: ID) { traineesCsv(filter: { ownerMinistryId: $m }) }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'header-only',
  },
  enrollmentsCsv: {
    query: 'query($t: ID) { enrollmentsCsv(filter: { traineeId: $t }) }',
    variables: () => ({ t: gid(victim.trainee) }),
    expect: 'header-only',
  },
  returneeBusinessesCsv: {
    query: 'query($m: ID) { returneeBusinessesCsv(filter: { ownerMinistryId: $m }) }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'header-only',
  },
  placements: {
    query: 'query($m: ID, $t: ID) { placements(filter: { ownerMinistryId: $m, traineeId: $t }) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id), t: gid(victim.trainee) }),
    expect: 'empty',
  },
  placementsCsv: { query: 'query($t: ID) { placementsCsv(filter: { traineeId: $t }) }', variables: () => ({ t: gid(victim.trainee) }), expect: 'header-only' },
  updatePlacement: {
    query: 'mutation($id: ID!) { updatePlacement(input: { id: $id, jobTitle: "Pwned" }) { id } }',
    variables: () => ({ id: gid(victim.placement) }),
    expect: 'FORBIDDEN',
  },
  deletePlacement: {
    query: 'mutation($id: ID!) { deletePlacement(id: $id) { deletedId } }',
    variables: () => ({ id: gid(victim.placement) }),
    expect: 'FORBIDDEN',
  },
  createPlacement: {
    query:
      'mutation($t: ID!) { createPlacement(input: { traineeId: $t, destinationCountryCode: "JP", employerName: "Pwned", employerType: COMPANY, jobTitle: "X", sector: ICT, scheme: SSW_JAPAN }) { id } }',
    variables: () => ({ t: gid(victim.trainee) }),
    expect: 'BAD_USER_INPUT',
  },
  accounts: {
    query: 'query($m: ID) { accounts(ministryId: $m) { totalCount } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'empty',
  },
  updateInstitution: {
    query: 'mutation($id: ID!) { updateInstitution(input: { id: $id, name: "Pwned" }) { id } }',
    variables: () => ({ id: gid(victim.institution) }),
    expect: 'FORBIDDEN',
  },
  deleteInstitution: {
    query: 'mutation($id: ID!) { deleteInstitution(id: $id) { deletedId } }',
    variables: () => ({ id: gid(victim.institution) }),
    expect: 'FORBIDDEN',
  },
  updateProgram: {
    query: 'mutation($id: ID!) { updateProgram(input: { id: $id, title: "Pwned" }) { id } }',
    variables: () => ({ id: gid(victim.program) }),
    expect: 'FORBIDDEN',
  },
  deleteProgram: { query: 'mutation($id: ID!) { deleteProgram(id: $id) { deletedId } }', variables: () => ({ id: gid(victim.program) }), expect: 'FORBIDDEN' },
  updateTrainee: {
    query: 'mutation($id: ID!) { updateTrainee(input: { id: $id, fullName: "Pwned" }) { id } }',
    variables: () => ({ id: gid(victim.trainee) }),
    expect: 'FORBIDDEN',
  },
  deleteTrainee: { query: 'mutation($id: ID!) { deleteTrainee(id: $id) { deletedId } }', variables: () => ({ id: gid(victim.trainee) }), expect: 'FORBIDDEN' },
  updateEnrollment: {
    query: 'mutation($id: ID!) { updateEnrollment(input: { id: $id, status: DROPPED }) { id } }',
    variables: () => ({ id: gid(victim.enrollment) }),
    expect: 'FORBIDDEN',
  },
  deleteEnrollment: {
    query: 'mutation($id: ID!) { deleteEnrollment(id: $id) { deletedId } }',
    variables: () => ({ id: gid(victim.enrollment) }),
    expect: 'FORBIDDEN',
  },
  updateReturneeBusiness: {
    query: 'mutation($id: ID!) { updateReturneeBusiness(input: { id: $id, employees: 99 }) { id } }',
    variables: () => ({ id: gid(victim.returneeBusiness) }),
    expect: 'FORBIDDEN',
  },
  deleteReturneeBusiness: {
    query: 'mutation($id: ID!) { deleteReturneeBusiness(id: $id) { deletedId } }',
    variables: () => ({ id: gid(victim.returneeBusiness) }),
    expect: 'FORBIDDEN',
  },
  createProgram: {
    query: 'mutation($i: ID!) { createProgram(input: { institutionId: $i, title: "Pwned", sector: ICT, capacityPerIntake: 1 }) { id } }',
    variables: () => ({ i: gid(victim.institution) }),
    expect: 'FORBIDDEN',
  },
  createEnrollment: {
    query: 'mutation($p: ID!, $t: ID!) { createEnrollment(input: { programId: $p, traineeId: $t }) { id } }',
    variables: () => ({ p: gid(own.program), t: gid(victim.trainee) }),
    expect: 'BAD_USER_INPUT',
  },
  createReturneeBusiness: {
    query:
      'mutation($t: ID) { createReturneeBusiness(input: { returneeName: "X", returneeNik: "3507125204980001", traineeId: $t, businessName: "X", kbliCode: "56101", villageCode: "3507122001", provinceCode: "35" }) { id } }',
    variables: () => ({ t: gid(victim.trainee) }),
    expect: 'BAD_USER_INPUT',
  },
  updateMouDraft: {
    query: 'mutation($id: ID!) { updateMouDraft(input: { id: $id, title: "Pwned MoU" }) { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  signMou: {
    query:
      'mutation($id: ID!) { signMou(id: $id, digest: "0000000000000000000000000000000000000000000000000000000000000000", signatoryName: "X", signatoryTitle: "Y") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  terminateMou: {
    query: 'mutation($id: ID!) { terminateMou(id: $id, reason: "Pwned MoU") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  amendMou: {
    query: 'mutation($id: ID!) { amendMou(input: { id: $id, reason: "Pwned MoU" }) { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  signMouAmendment: {
    query:
      'mutation($id: ID!) { signMouAmendment(id: $id, digest: "0000000000000000000000000000000000000000000000000000000000000000", signatoryName: "X", signatoryTitle: "Y") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  rejectMouAmendment: {
    query: 'mutation($id: ID!) { rejectMouAmendment(id: $id, reason: "Pwned MoU") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  withdrawMouAmendment: {
    query: 'mutation($id: ID!) { withdrawMouAmendment(id: $id, reason: "Pwned MoU") { id } }',
    variables: () => ({ id: gid(victimMou) }),
    expect: 'FORBIDDEN',
  },
  narrowMouClause: {
    query: 'mutation($id: ID!) { narrowMouClause(input: { clauseId: $id, reason: "Pwned MoU", includesPersonalData: false }) { id } }',
    variables: () => ({ id: toGlobalId('DataSharingClause', victimClause.id) }),
    expect: 'FORBIDDEN',
  },
  approveAccount: {
    query: 'mutation($id: ID!) { approveAccount(id: $id) { id } }',
    variables: () => ({ id: toGlobalId('Account', victimAccount.id) }),
    expect: 'FORBIDDEN',
  },
  updateAccount: {
    query: 'mutation($id: ID!) { updateAccount(input: { id: $id, active: false }) { id } }',
    variables: () => ({ id: toGlobalId('Account', victimAccount.id) }),
    expect: 'FORBIDDEN',
  },
  createAccount: {
    query:
      'mutation($m: ID) { createAccount(input: { email: "mole@test.local", displayName: "Mole", password: "a-long-password-1", role: ADMIN, ministryId: $m }) { id } }',
    variables: () => ({ m: toGlobalId('Ministry', victim.trainee.ownerMinistry.id) }),
    expect: 'FORBIDDEN',
  },
};

/** Operations that take ids of reference data every caller may name, not of another ministry's rows. */
const NOT_OBJECT_LEVEL = { createMou: 'party ministries are public reference data', updateMinistry: 'ministries are reference data (PLATFORM_ADMIN only)' };

function takesId(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === 'ID') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => takesId(f.type, seen));
}

async function victimState(): Promise<string> {
  const em = t.em();
  const b = victim.institution.ownerMinistry.id;
  const rows = await Promise.all([
    em.find(Institution, { ownerMinistry: b }, { orderBy: { id: 'asc' } }),
    em.find(Program, { ownerMinistry: b }, { orderBy: { id: 'asc' } }),
    em.find(Trainee, { ownerMinistry: b }, { orderBy: { id: 'asc' } }),
    em.find(Enrollment, { ownerMinistry: b }, { orderBy: { id: 'asc' } }),
    em.find(ReturneeBusiness, { ownerMinistry: b }, { orderBy: { id: 'asc' } }),
    em.find(Placement, { ownerMinistry: b }, { orderBy: { id: 'asc' } }),
    em.find(Mou, { ownerMinistry: b }, { orderBy: { id: 'asc' } }),
    em.find(MouParty, { mou: victimMou }, { orderBy: { id: 'asc' } }),
    em.find(DataSharingClause, { mou: victimMou }, { orderBy: { id: 'asc' } }),
    em.find(Account, { ministry: b }, { orderBy: { id: 'asc' } }),
  ]);
  return JSON.stringify(rows);
}

function check(name: string, res: Result<unknown>, expected: Expect) {
  const data = res.data as Record<string, any> | null | undefined;
  const code = res.errors?.[0]?.extensions?.code;
  switch (expected) {
    case 'null':
      expect(res.errors, name).toBeUndefined();
      expect(data?.[name], name).toBeNull();
      break;
    case 'header-only':
      expect(res.errors, name).toBeUndefined();
      expect(String(data?.[name]).trim().split('\n'), name).toHaveLength(1);
      break;
    case 'not-readable':
      expect(data?.[name], name).toEqual({ canRead: false, canWrite: false });
      break;
    case 'empty': {
      expect(res.errors, name).toBeUndefined();
      const v = data?.[name];
      expect(v.totalCount ?? v.records.length + v.reads.length, name).toBe(0);
      break;
    }
    default:
      expect(code, `${name}: ${JSON.stringify(res.errors ?? data)}`).toBe(expected);
  }
}

describe("object-level authorization with another ministry's ids", () => {
  it('covers every operation that takes an id', () => {
    const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    const withIds = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) =>
      Object.values(type.getFields())
        .filter((field) => field.args.some((a: GraphQLArgument) => takesId(a.type)))
        .map((field) => field.name),
    );
    // The NIK of the access report is not an ID but names a person of another ministry all the same.
    expect(withIds.filter((n) => !(n in NOT_OBJECT_LEVEL)).sort()).toEqual(
      Object.keys(ATTACKS)
        .filter((n) => n !== 'dataSubjectAccessReport')
        .sort(),
    );
  });

  it("B's data has audit events (so hiding them is tested)", async () => {
    expect(await t.em().count(AuditEvent, { subjectMinistryId: victim.institution.ownerMinistry.id })).toBeGreaterThan(0);
  });

  it("every attack is refused or answered as for a missing row, and B's data is unchanged", async () => {
    const before = await victimState();
    for (const [name, attack] of Object.entries(ATTACKS)) check(name, await attacker.raw(attack.query, attack.variables()), attack.expect);
    expect(await victimState()).toBe(before);
  });
});
