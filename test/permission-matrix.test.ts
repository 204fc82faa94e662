/**
 * Executes the permission matrix (permission-matrix.ts) cell by cell: every
 * root operation as every role (and anonymously), checking that the role
 * layer admits exactly the matrix's cells. A denied cell must be refused by
 * the role rules (FORBIDDEN, or UNAUTHENTICATED when anonymous); an admitted
 * cell must not be, whatever the data layer then answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILE } from '../src/schema';
import { Role } from '../src/access/roles';
import { toGlobalId } from '../src/shared/global-id';
import * as ops from './generated/graphql';
import { expectOk } from './support/expect';
import * as f from './support/factories';
import { startTestApp, TEST_PASSWORD, type Client, type Result, type TestApp } from './support/test-app';
import { cells, COLUMNS, MATRIX } from './permission-matrix';

let t: TestApp;
const clients = new Map<string, Client>();
let executed = 0;

type Op = { query: string; variables?: Record<string, unknown> };
let OPS: Record<string, () => Promise<Op>>;

beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const kp2mi = await t.ministry('KP2MI');
  const perin = await t.ministry('KEMENPERIN');
  const w = await f.ministryWorld(em, kp2mi);
  const m = (id: string) => toGlobalId('Ministry', id);
  for (const role of COLUMNS) {
    // Staff of KP2MI, the coordinator, so that reference-data edits are in scope.
    clients.set(role, await t.as(Role[role], role === 'AUDITOR' || role === 'PLATFORM_ADMIN' ? null : 'KP2MI'));
  }
  clients.set('ANONYMOUS', t.anonymous());
  const admin = clients.get('ADMIN')!;
  const draftMou = async () => {
    const res = await clients.get('EDITOR')!.exec(ops.CreateMouDocument, { input: { title: 'Matrix MoU', scope: 'Matrix scope', validFrom: '2025-01-01', validUntil: '2030-01-01', partyMinistryIds: [m(perin.id)], clauses: [] } });
    return expectOk(res).createMou.id;
  };
  const fresh = async () => f.ministryWorld(em, kp2mi);
  const someNik = () => f.validNik();
  OPS = {
    node: async () => ({ query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: f.gid(w.institution) } }),
    viewer: async () => ({ query: '{ viewer { email } }' }),
    ministries: async () => ({ query: '{ ministries { totalCount } }' }),
    destinationCountries: async () => ({ query: '{ destinationCountries { totalCount } }' }),
    institutions: async () => ({ query: '{ institutions { totalCount } }' }),
    programs: async () => ({ query: '{ programs { totalCount } }' }),
    trainees: async () => ({ query: '{ trainees { totalCount } }' }),
    enrollments: async () => ({ query: '{ enrollments { totalCount } }' }),
    returneeBusinesses: async () => ({ query: '{ returneeBusinesses { totalCount } }' }),
    mous: async () => ({ query: '{ mous { totalCount } }' }),
    accounts: async () => ({ query: '{ accounts { totalCount } }' }),
    dataSubjectAccessReport: async () => ({ query: 'query($nik: String!) { dataSubjectAccessReport(nik: $nik) { nik } }', variables: { nik: w.trainee.nik } }),
    explainAccess: async () => ({ query: 'query($id: ID!) { explainAccess(id: $id) { canRead } }', variables: { id: f.gid(w.institution) } }),
    accessMatrix: async () => ({ query: '{ accessMatrix { operation } }' }),
    auditEvents: async () => ({ query: '{ auditEvents { totalCount } }' }),
    verifyAuditLog: async () => ({ query: '{ verifyAuditLog { valid } }' }),
    auditCheckpoint: async () => ({ query: '{ auditCheckpoint { seq token } }' }),
    login: async () => ({ query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', variables: { e: clients.get('VIEWER')!.account!.email, p: TEST_PASSWORD } }),
    createInstitution: async () => ({ query: 'mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id } }', variables: { i: { name: 'Matrix BLK', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 10 } } }),
    updateInstitution: async () => ({ query: 'mutation($i: UpdateInstitutionInput!) { updateInstitution(input: $i) { id } }', variables: { i: { id: f.gid(w.institution), annualCapacity: 11 } } }),
    deleteInstitution: async () => ({ query: 'mutation($id: ID!) { deleteInstitution(id: $id) { deletedId } }', variables: { id: f.gid((await f.institution(em, kp2mi), await em.flush(), f.institution(em, kp2mi))) } }),
    createProgram: async () => ({ query: 'mutation($i: CreateProgramInput!) { createProgram(input: $i) { id } }', variables: { i: { institutionId: f.gid(w.institution), title: 'Matrix programme', sector: 'ICT', capacityPerIntake: 5 } } }),
    updateProgram: async () => ({ query: 'mutation($i: UpdateProgramInput!) { updateProgram(input: $i) { id } }', variables: { i: { id: f.gid(w.program), capacityPerIntake: 6 } } }),
    deleteProgram: async () => {
      const p = f.program(em, w.institution);
      await em.flush();
      return { query: 'mutation($id: ID!) { deleteProgram(id: $id) { deletedId } }', variables: { id: f.gid(p) } };
    },
    createTrainee: async () => ({ query: 'mutation($i: CreateTraineeInput!) { createTrainee(input: $i) { id } }', variables: { i: { nik: someNik(), fullName: 'Matrix Person', sex: 'FEMALE', birthDate: '1998-04-12', originProvinceCode: '35' } } }),
    updateTrainee: async () => ({ query: 'mutation($i: UpdateTraineeInput!) { updateTrainee(input: $i) { id } }', variables: { i: { id: f.gid(w.trainee), fullName: 'Renamed' } } }),
    deleteTrainee: async () => {
      const p = f.trainee(em, kp2mi);
      await em.flush();
      return { query: 'mutation($id: ID!) { deleteTrainee(id: $id) { deletedId } }', variables: { id: f.gid(p) } };
    },
    createEnrollment: async () => {
      const p = f.trainee(em, kp2mi);
      await em.flush();
      return { query: 'mutation($i: CreateEnrollmentInput!) { createEnrollment(input: $i) { id } }', variables: { i: { programId: f.gid(w.program), traineeId: f.gid(p) } } };
    },
    updateEnrollment: async () => ({ query: 'mutation($i: UpdateEnrollmentInput!) { updateEnrollment(input: $i) { id } }', variables: { i: { id: f.gid(w.enrollment), status: 'ENROLLED' } } }),
    deleteEnrollment: async () => {
      const x = await fresh();
      return { query: 'mutation($id: ID!) { deleteEnrollment(id: $id) { deletedId } }', variables: { id: f.gid(x.enrollment) } };
    },
    createReturneeBusiness: async () => ({ query: 'mutation($i: CreateReturneeBusinessInput!) { createReturneeBusiness(input: $i) { id } }', variables: { i: { returneeName: 'Matrix', returneeNik: someNik(), businessName: 'Warung', kbliCode: '56101', villageCode: '3507122001', provinceCode: '35' } } }),
    updateReturneeBusiness: async () => ({ query: 'mutation($i: UpdateReturneeBusinessInput!) { updateReturneeBusiness(input: $i) { id } }', variables: { i: { id: f.gid(w.returneeBusiness), employees: 4 } } }),
    deleteReturneeBusiness: async () => {
      const b = f.returneeBusiness(em, kp2mi);
      await em.flush();
      return { query: 'mutation($id: ID!) { deleteReturneeBusiness(id: $id) { deletedId } }', variables: { id: f.gid(b) } };
    },
    createMou: async () => ({ query: 'mutation($i: CreateMouInput!) { createMou(input: $i) { id } }', variables: { i: { title: 'Matrix MoU', scope: 'Matrix scope', validFrom: '2025-01-01', validUntil: '2030-01-01', partyMinistryIds: [m(perin.id)] } } }),
    updateMouDraft: async () => ({ query: 'mutation($i: UpdateMouDraftInput!) { updateMouDraft(input: $i) { id } }', variables: { i: { id: await draftMou(), title: 'Matrix MoU edited' } } }),
    signMou: async () => ({ query: 'mutation($id: ID!) { signMou(id: $id, signatoryName: "A", signatoryTitle: "B") { id } }', variables: { id: await draftMou() } }),
    terminateMou: async () => ({ query: 'mutation($id: ID!) { terminateMou(id: $id, reason: "Matrix reason") { id } }', variables: { id: await draftMou() } }),
    amendMou: async () => ({ query: 'mutation($i: AmendMouInput!) { amendMou(input: $i) { id } }', variables: { i: { id: await draftMou(), reason: 'Matrix amendment' } } }),
    createAccount: async () => ({ query: 'mutation($i: CreateAccountInput!) { createAccount(input: $i) { id } }', variables: { i: { email: `m${Math.random().toString(36).slice(2)}@test.local`, displayName: 'Matrix', password: 'a-long-password-1', role: 'VIEWER', ministryId: m(kp2mi.id) } } }),
    updateAccount: async () => {
      const created = expectOk(await admin.exec(ops.CreateAccountDocument, { input: { email: `u${Math.random().toString(36).slice(2)}@test.local`, displayName: 'To update', password: 'a-long-password-1', role: 'VIEWER' } })).createAccount;
      return { query: 'mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { id } }', variables: { i: { id: created.id, displayName: 'Updated' } } };
    },
    createMinistry: async () => ({ query: 'mutation($i: CreateMinistryInput!) { createMinistry(input: $i) { id } }', variables: { i: { code: `M${Math.random().toString(36).slice(2, 8).toUpperCase()}`, name: 'Kementerian Matriks', nameEn: 'Ministry of Matrices' } } }),
    updateMinistry: async () => ({ query: 'mutation($i: UpdateMinistryInput!) { updateMinistry(input: $i) { id } }', variables: { i: { id: m(perin.id), nameEn: 'Ministry of Industry' } } }),
    upsertDestinationCountry: async () => ({ query: 'mutation($i: DestinationCountryInput!) { upsertDestinationCountry(input: $i) { code } }', variables: { i: { code: 'AU', nameEn: 'Australia', nameId: 'Australia' } } }),
  };
});
afterAll(async () => {
  await t.close();
  // Read by the closing note: how many cells ran.
  console.log(`permission matrix: ${executed} cells executed`);
});

/** Whether the role layer refused: shield's own rules, not the data layer. */
function refusedByRole(res: Result<unknown>): 'UNAUTHENTICATED' | 'FORBIDDEN' | null {
  for (const e of res.errors ?? []) {
    if (e.extensions?.code === 'UNAUTHENTICATED') return 'UNAUTHENTICATED';
    const rule = String(e.extensions?.rule ?? '');
    if (e.extensions?.code === 'FORBIDDEN' && (rule.startsWith('audience:') || rule.startsWith('fallback:'))) return 'FORBIDDEN';
  }
  return null;
}

describe('permission matrix', () => {
  it('has a row for every root field of the schema, and none for fields that do not exist', () => {
    const types = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    expect(Object.keys(types.getQueryType()!.getFields()).sort()).toEqual(Object.keys(MATRIX.query).sort());
    expect(Object.keys(types.getMutationType()!.getFields()).sort()).toEqual(Object.keys(MATRIX.mutation).sort());
    expect(Object.keys(OPS).sort()).toEqual([...Object.keys(MATRIX.query), ...Object.keys(MATRIX.mutation)].sort());
  });

  it('agrees with what accessMatrix reports to users', async () => {
    const reported = expectOk(await clients.get('VIEWER')!.exec(ops.AccessMatrixDocument, {})).accessMatrix;
    const word = { A: 'ALLOWED', S: 'SCOPED', '-': 'DENIED' } as const;
    for (const row of reported) {
      const expected = cells(MATRIX[row.kind as 'query' | 'mutation'][row.operation]);
      for (const cell of row.cells) expect(`${row.operation}/${cell.role}: ${cell.access}`).toBe(`${row.operation}/${cell.role}: ${word[expected[COLUMNS.indexOf(cell.role as never)]]}`);
    }
  });

  for (const kind of ['query', 'mutation'] as const) {
    for (const [operation, row] of Object.entries(MATRIX[kind])) {
      it(`${kind} ${operation}: ${row} (anonymous: ${operation === 'login' ? 'A' : '-'})`, async () => {
        const expected = cells(row);
        for (const who of ['ANONYMOUS', ...COLUMNS] as const) {
          const op = await OPS[operation]();
          const res = await clients.get(who)!.exec(parse(op.query) as never, (op.variables ?? {}) as never);
          executed++;
          const cell = who === 'ANONYMOUS' ? (operation === 'login' ? 'A' : '-') : expected[COLUMNS.indexOf(who)];
          const refused = refusedByRole(res);
          if (cell === '-') expect(refused, `${operation} as ${who}: ${JSON.stringify(res.errors ?? res.data)}`).toBe(who === 'ANONYMOUS' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
          else expect(refused, `${operation} as ${who}: ${JSON.stringify(res.errors)}`).toBeNull();
        }
      });
    }
  }
});
