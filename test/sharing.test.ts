/**
 * Sharing across ministries only through signed MoUs (access-model.md): the
 * MoU workflow, clauses in force widening read scope (read-only), personal
 * data in full only under a personal-data clause (and logged), masked
 * otherwise, expiry and termination taking effect on the very next request,
 * amendments as versions, the data-subject access report and explainAccess.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Institution } from '../src/modules/institution/institution.entity';
import { Mou } from '../src/modules/mou/mou.entity';
import { PersonalDataRead } from '../src/modules/personal-data/personal-data-read.entity';
import { todayInJakarta } from '../src/shared/time';
import { MouStatus, ResourceType } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';
import { draftDigest, pendingDigest } from './support/mou-digest';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

type World = Awaited<ReturnType<typeof f.ministryWorld>>;
let t: TestApp;
let kp2mi: World, perin: World, esdm: World;
let kp2miEditor: Client, kp2miAdmin: Client, kp2miViewer: Client, perinAdmin: Client, perinViewer: Client, esdmAdmin: Client, auditor: Client, anon: Client;
let ids: Record<string, string>;

const mid = (code: string) => toGlobalId('Ministry', ids[code]);
const nodeIds = (conn: { edges: { node: { id: string } }[] }) => conn.edges.map((e) => e.node.id);

beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [a, b, c] = await Promise.all(['KP2MI', 'KEMENPERIN', 'KESDM'].map((code) => t.ministry(code)));
  ids = { KP2MI: a.id, KEMENPERIN: b.id, KESDM: c.id };
  kp2mi = await f.ministryWorld(em, a);
  perin = await f.ministryWorld(em, b);
  esdm = await f.ministryWorld(em, c);
  [kp2miEditor, kp2miAdmin, kp2miViewer, perinAdmin, perinViewer, esdmAdmin, auditor] = await Promise.all([
    t.as(Role.EDITOR, 'KP2MI'),
    t.as(Role.ADMIN, 'KP2MI'),
    t.as(Role.VIEWER, 'KP2MI'),
    t.as(Role.ADMIN, 'KEMENPERIN'),
    t.as(Role.VIEWER, 'KEMENPERIN'),
    t.as(Role.ADMIN, 'KESDM'),
    t.as(Role.AUDITOR, null),
  ]);
  anon = t.anonymous();
});
afterAll(() => t.close());

const draft = (): ops.CreateMouInput & { clauses: ops.ClauseInput[] } => ({
  title: 'Nota Kesepahaman KP2MI–Kemenperin (test)',
  scope: 'Vocational training of calon PMI in industry training centres',
  validFrom: '2025-10-08',
  validUntil: '2030-10-08',
  partyMinistryIds: [mid('KEMENPERIN')],
  clauses: [
    {
      providerMinistryId: mid('KEMENPERIN'),
      recipientMinistryId: mid('KP2MI'),
      resourceTypes: ['INSTITUTION', 'PROGRAM', 'ENROLLMENT'],
      includesPersonalData: false,
      purpose: 'Monitoring of vocational preparation',
    },
    {
      providerMinistryId: mid('KEMENPERIN'),
      recipientMinistryId: mid('KP2MI'),
      resourceTypes: ['TRAINEE'],
      includesPersonalData: true,
      purpose: 'Protection of calon PMI under UU 18/2017',
    },
  ],
});

/** MoUs a test made through the API; each is ended after its test, so no test leaves sharing behind for the next. */
const made: string[] = [];
const rawId = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];
afterEach(async () => {
  if (made.length) await t.em().nativeUpdate(Mou, { id: { $in: made.map(rawId) } }, { recordedStatus: MouStatus.TERMINATED });
  made.length = 0;
});

/** A fresh draft of KP2MI and Kemenperin, made by KP2MI's EDITOR. */
async function draftMou(): Promise<string> {
  const id = expectOk(await kp2miEditor.exec(ops.CreateMouDocument, { input: draft() })).createMou.id;
  made.push(id);
  return id;
}

/** A fresh MoU in force: drafted, then signed by both parties' ADMINs. */
async function activeMou(): Promise<string> {
  const id = await draftMou();
  expectOk(await kp2miAdmin.exec(ops.SignMouDocument, { id, digest: await draftDigest(t.em(), id), name: 'Abdul Kadir Karding', title: 'Menteri P2MI' }));
  expectOk(
    await perinAdmin.exec(ops.SignMouDocument, {
      id,
      digest: await draftDigest(t.em(), id),
      name: 'Agus Gumiwang Kartasasmita',
      title: 'Menteri Perindustrian',
    }),
  );
  return id;
}

describe('drafting', () => {
  it('refuses bad drafts with the field at fault, and writes nothing', async () => {
    const before = await t.em().count(Mou, {});
    expectError(await kp2miEditor.exec(ops.CreateMouDocument, { input: { ...draft(), validUntil: '2020-01-01' } }), 'BAD_USER_INPUT', 'input.validUntil');
    expectError(
      await kp2miEditor.exec(ops.CreateMouDocument, { input: { ...draft(), clauses: [{ ...draft().clauses[0], providerMinistryId: mid('KESDM') }] } }),
      'BAD_USER_INPUT',
      'input.clauses.0.providerMinistryId',
    );
    expectError(
      await kp2miEditor.exec(ops.CreateMouDocument, { input: { ...draft(), clauses: [{ ...draft().clauses[0], purpose: 'x' }] } }),
      'BAD_USER_INPUT',
      'input.clauses.0.purpose',
    );
    expectError(
      await kp2miEditor.exec(ops.CreateMouDocument, { input: { ...draft(), partyMinistryIds: [mid('KP2MI')] } }),
      'BAD_USER_INPUT',
      'input.partyMinistryIds',
    );
    expectError(await kp2miViewer.exec(ops.CreateMouDocument, { input: draft() }), 'FORBIDDEN');
    expectError(await anon.exec(ops.CreateMouDocument, { input: draft() }), 'UNAUTHENTICATED');
    expect(await t.em().count(Mou, {})).toBe(before);
  });

  it('an EDITOR drafts an MoU: DRAFT, unsigned, version 1', async () => {
    const mou = expectOk(await kp2miEditor.exec(ops.CreateMouDocument, { input: draft() })).createMou;
    made.push(mou.id);
    expect(mou.status).toBe('DRAFT');
    expect(mou.ownerMinistry.code).toBe('KP2MI');
    expect(mou.parties.map((p) => [p.ministry.code, p.signedAt]).sort()).toEqual([
      ['KEMENPERIN', null],
      ['KP2MI', null],
    ]);
    expect(mou.clauses.every((c) => !c.inForce)).toBe(true);
  });

  it('while DRAFT nothing is shared', async () => {
    await draftMou();
    const list = expectOk(await kp2miEditor.exec(ops.InstitutionsDocument, { first: 100 })).institutions;
    expect(nodeIds(list)).not.toContain(f.gid(perin.institution));
  });

  it('only the drafter edits the draft; a stale version is CONFLICT', async () => {
    const mouId = await draftMou();
    const edited = expectOk(
      await kp2miEditor.exec(ops.UpdateMouDraftDocument, { input: { id: mouId, expectedVersion: 1, title: 'Nota Kesepahaman KP2MI–Kemenperin' } }),
    ).updateMouDraft;
    expect(edited.title).toBe('Nota Kesepahaman KP2MI–Kemenperin');
    expectError(
      await kp2miEditor.exec(ops.UpdateMouDraftDocument, { input: { id: mouId, expectedVersion: 1, title: 'Again' } }),
      'CONFLICT',
      'input.expectedVersion',
    );
    expectError(await perinAdmin.exec(ops.UpdateMouDraftDocument, { input: { id: mouId, title: 'Not mine' } }), 'FORBIDDEN', 'input.id');
    expectError(await kp2miEditor.exec(ops.UpdateMouDraftDocument, { input: { id: mouId, validUntil: '2000-01-01' } }), 'BAD_USER_INPUT', 'input.validUntil');
    expectError(await kp2miViewer.exec(ops.UpdateMouDraftDocument, { input: { id: mouId, title: 'Viewer' } }), 'FORBIDDEN');
    expectError(await anon.exec(ops.UpdateMouDraftDocument, { input: { id: mouId, title: 'Anon' } }), 'UNAUTHENTICATED');
  });
});

describe('signing', () => {
  it('refuses signatures from non-admins, non-parties and anonymous callers', async () => {
    const mouId = await draftMou();
    expectError(await perinViewer.exec(ops.SignMouDocument, { id: mouId, digest: await draftDigest(t.em(), mouId), name: 'A', title: 'B' }), 'FORBIDDEN');
    expectError(await esdmAdmin.exec(ops.SignMouDocument, { id: mouId, digest: await draftDigest(t.em(), mouId), name: 'A', title: 'B' }), 'FORBIDDEN', 'id');
    expectError(await anon.exec(ops.SignMouDocument, { id: mouId, digest: await draftDigest(t.em(), mouId), name: 'A', title: 'B' }), 'UNAUTHENTICATED');
    expectError(
      await kp2miAdmin.exec(ops.SignMouDocument, { id: mouId, digest: await draftDigest(t.em(), mouId), name: ' ', title: 'Menteri' }),
      'BAD_USER_INPUT',
      'signatoryName',
    );
  });

  it("each party's ADMIN signs once; the last signature makes it ACTIVE", async () => {
    const mouId = await draftMou();
    const first = expectOk(
      await kp2miAdmin.exec(ops.SignMouDocument, { id: mouId, digest: await draftDigest(t.em(), mouId), name: 'Abdul Kadir Karding', title: 'Menteri P2MI' }),
    ).signMou;
    expect(first.status).toBe('DRAFT');
    expectError(
      await kp2miAdmin.exec(ops.SignMouDocument, { id: mouId, digest: await draftDigest(t.em(), mouId), name: 'Again', title: 'Menteri' }),
      'CONFLICT',
      'id',
    );
    const second = expectOk(
      await perinAdmin.exec(ops.SignMouDocument, {
        id: mouId,
        digest: await draftDigest(t.em(), mouId),
        name: 'Agus Gumiwang Kartasasmita',
        title: 'Menteri Perindustrian',
      }),
    ).signMou;
    expect(second.status).toBe('ACTIVE');
    expect(second.clauses.every((c) => c.inForce)).toBe(true);
  });

  it('a signed MoU cannot be edited as a draft', async () => {
    const mouId = await activeMou();
    expectError(await kp2miEditor.exec(ops.UpdateMouDraftDocument, { input: { id: mouId, title: 'Changed after signing' } }), 'CONFLICT', 'input.id');
  });
});

describe('clauses in force', () => {
  it("widen the recipient's lists, counts, by-id reads and relations, for the covered resources only", async () => {
    const mouId = await activeMou();
    const inst = expectOk(await kp2miEditor.exec(ops.InstitutionsDocument, { first: 100 })).institutions;
    expect(nodeIds(inst)).toEqual(expect.arrayContaining([f.gid(kp2mi.institution), f.gid(perin.institution)]));
    expect(nodeIds(inst)).not.toContain(f.gid(esdm.institution));
    expect(inst.totalCount).toBe(await t.em().count(Institution, { ownerMinistry: { $in: [ids.KP2MI, ids.KEMENPERIN] } }));
    expect(expectOk(await kp2miEditor.exec(ops.NodeDocument, { id: f.gid(perin.program) })).node?.__typename).toBe('Program');
    const enr = expectOk(await kp2miEditor.exec(ops.EnrollmentsDocument, { first: 100 })).enrollments;
    expect(nodeIds(enr)).toContain(f.gid(perin.enrollment));
    // Returnee businesses are not covered by any clause.
    expect(nodeIds(expectOk(await kp2miEditor.exec(ops.ReturneeBusinessesDocument, { first: 100 })).returneeBusinesses)).not.toContain(
      f.gid(perin.returneeBusiness),
    );
  });

  it('are one-way: the provider gains nothing', async () => {
    const mouId = await activeMou();
    const inst = expectOk(await perinViewer.exec(ops.InstitutionsDocument, { first: 100 })).institutions;
    expect(nodeIds(inst)).not.toContain(f.gid(kp2mi.institution));
    expect(nodeIds(expectOk(await perinViewer.exec(ops.TraineesDocument, { first: 100 })).trainees)).not.toContain(f.gid(kp2mi.trainee));
  });

  it('are read-only: writes to shared rows are FORBIDDEN and change nothing', async () => {
    const mouId = await activeMou();
    expectError(
      await kp2miEditor.exec(ops.UpdateInstitutionDocument, { input: { id: f.gid(perin.institution), name: 'Taken over' } }),
      'FORBIDDEN',
      'input.id',
    );
    expectError(await kp2miEditor.exec(ops.DeleteProgramDocument, { id: f.gid(perin.program) }), 'FORBIDDEN', 'id');
    expect((await t.em().findOneOrFail(Institution, perin.institution.id)).name).toBe(perin.institution.name);
  });

  it('with personal data: full values, each read logged with its clause', async () => {
    const mouId = await activeMou();
    const before = await t.em().count(PersonalDataRead, {});
    const trainees = expectOk(await kp2miViewer.exec(ops.TraineesDocument, { first: 100, filter: { ownerMinistryId: mid('KEMENPERIN') } })).trainees;
    const person = trainees.edges.find((e) => e.node.id === f.gid(perin.trainee))!.node;
    expect(person.nik).toBe(perin.trainee.nik);
    expect(person.birthDate).toBe(perin.trainee.birthDate);
    const logged = await t.em().find(PersonalDataRead, { recordId: perin.trainee.id }, { orderBy: { readAt: 'desc' } });
    expect(await t.em().count(PersonalDataRead, {})).toBe(before + trainees.edges.length);
    expect(logged[0]).toMatchObject({
      readerMinistry: { id: ids.KP2MI },
      ownerMinistry: { id: ids.KEMENPERIN },
      fields: ['address', 'birthDate', 'email', 'nik', 'phone'],
    });
    // The owner reading its own data is not a disclosure: no log.
    const own = await t.em().count(PersonalDataRead, {});
    expectOk(await perinViewer.exec(ops.TraineesDocument, { first: 100 }));
    expect(await t.em().count(PersonalDataRead, {})).toBe(own);
  });

  it('a personal-data filter is allowed when every ministry it spans is readable in full', async () => {
    const mouId = await activeMou();
    const found = expectOk(await kp2miViewer.exec(ops.TraineesDocument, { filter: { nik: perin.trainee.nik } })).trainees;
    expect(nodeIds(found)).toEqual([f.gid(perin.trainee)]);
  });
});

describe('amendments and masking', () => {
  it('an amendment needs a reason and an ADMIN of a party', async () => {
    const mouId = await activeMou();
    expectError(await perinAdmin.exec(ops.AmendMouDocument, { input: { id: mouId, reason: 'x' } }), 'BAD_USER_INPUT', 'input.reason');
    expectError(await perinAdmin.exec(ops.AmendMouDocument, { input: { id: mouId, reason: 'Changes nothing at all' } }), 'BAD_USER_INPUT', 'input');
    expectError(await perinViewer.exec(ops.AmendMouDocument, { input: { id: mouId, reason: 'Addendum 1' } }), 'FORBIDDEN');
    expectError(await esdmAdmin.exec(ops.AmendMouDocument, { input: { id: mouId, reason: 'Addendum 1' } }), 'FORBIDDEN', 'input.id');
    expectError(await anon.exec(ops.AmendMouDocument, { input: { id: mouId, reason: 'Addendum 1' } }), 'UNAUTHENTICATED');
  });

  it('records a new version, retires the replaced clauses and shares KP2MI trainees with Kemenperin, masked', async () => {
    const mouId = await activeMou();
    const clauses: ops.ClauseInput[] = [
      ...draft().clauses,
      {
        providerMinistryId: mid('KP2MI'),
        recipientMinistryId: mid('KEMENPERIN'),
        resourceTypes: ['TRAINEE'],
        includesPersonalData: false,
        purpose: 'Matching registered calon PMI with training places',
      },
    ];
    const proposed = expectOk(
      await perinAdmin.exec(ops.AmendMouDocument, { input: { id: mouId, reason: 'Addendum 1: KP2MI shares its registry', clauses } }),
    ).amendMou;
    // Proposed, not in force: the clauses are still the two signed ones until KP2MI signs too.
    expect(proposed.clauses).toHaveLength(2);
    expect(proposed.pendingAmendment).toMatchObject({ number: 1, status: 'PENDING', signatures: [{ ministry: { code: 'KEMENPERIN' } }] });
    expect(nodeIds(expectOk(await perinViewer.exec(ops.TraineesDocument, { first: 100 })).trainees)).not.toContain(f.gid(kp2mi.trainee));
    const amended = expectOk(
      await kp2miAdmin.exec(ops.SignMouAmendmentDocument, { id: mouId, digest: await pendingDigest(t.em(), mouId), name: 'Menteri P2MI', title: 'Menteri' }),
    ).signMouAmendment;
    expect(amended.clauses).toHaveLength(3);
    expect(amended.pendingAmendment).toBeNull();
    const detail = expectOk(await auditor.exec(ops.MouDetailDocument, { id: mouId })).node as {
      versions: { event: string; reason: string | null }[];
      retired: { retiredAt: string | null }[];
    };
    expect(detail.versions.map((v) => v.event)).toEqual(['CREATED', 'SIGNED', 'SIGNED', 'ACTIVATED', 'AMENDMENT_PROPOSED', 'AMENDMENT_SIGNED', 'AMENDED']);
    expect(detail.versions.at(-1)!.reason).toBe('Addendum 1: KP2MI shares its registry');
    expect(detail.retired.filter((c) => c.retiredAt)).toHaveLength(2);

    const seen = expectOk(await perinViewer.exec(ops.TraineesDocument, { first: 100 })).trainees.edges.find((e) => e.node.id === f.gid(kp2mi.trainee))!.node;
    expect(seen.nik).toBe(`${kp2mi.trainee.nik.slice(0, 4)}**********${kp2mi.trainee.nik.slice(14)}`);
    expect(seen.birthDate).toBe(`${kp2mi.trainee.birthDate.slice(0, 4)}-**-**`);
    expect(seen.phone).not.toContain('1111');
    expect(seen.email).toMatch(/^p\*+@mail\.example$/);
    expect(seen.address).toBe('***');
    expect(seen.fullName).toBe(kp2mi.trainee.fullName);
  });

  it('filtering or sorting by a personal field seen masked is refused with the field named', async () => {
    const { mou } = await f.signedMou(t.em(), await t.ministry('KP2MI'), await t.ministry('KEMENPERIN'), [
      { provider: await t.ministry('KP2MI'), recipient: await t.ministry('KEMENPERIN'), resources: [ResourceType.TRAINEE] },
    ]);
    made.push(f.gid(mou));
    expectError(await perinViewer.exec(ops.TraineesDocument, { filter: { nik: kp2mi.trainee.nik } }), 'FORBIDDEN', 'filter.nik');
    expectError(await perinViewer.exec(ops.TraineesDocument, { orderBy: { field: 'BIRTH_DATE' } }), 'FORBIDDEN', 'orderBy.field');
    // Narrowed to its own ministry, the same filter is fine.
    expect(
      nodeIds(expectOk(await perinViewer.exec(ops.TraineesDocument, { filter: { nik: perin.trainee.nik, ownerMinistryId: mid('KEMENPERIN') } })).trainees),
    ).toEqual([f.gid(perin.trainee)]);
  });
});

describe('data-subject access report and explainAccess', () => {
  it("tells the owner who read a person's data, when and under which clause", async () => {
    const mouId = await activeMou();
    // Two full reads by KP2MI under the personal-data clause.
    for (let i = 0; i < 2; i++) expectOk(await kp2miViewer.exec(ops.TraineesDocument, { first: 100, filter: { ownerMinistryId: mid('KEMENPERIN') } }));
    const report = expectOk(await perinAdmin.exec(ops.DataSubjectAccessReportDocument, { nik: perin.trainee.nik })).dataSubjectAccessReport;
    expect(report.records).toEqual([{ resourceType: 'TRAINEE', id: f.gid(perin.trainee) }]);
    const underThisMou = report.reads.filter((r) => r.mou?.id === mouId);
    expect(underThisMou.length).toBeGreaterThanOrEqual(2);
    expect(underThisMou[0]).toMatchObject({
      readerMinistry: { code: 'KP2MI' },
      mou: { id: mouId },
      clause: { purpose: 'Protection of calon PMI under UU 18/2017' },
      recordId: f.gid(perin.trainee),
    });
    // Not the owner: nothing about the person.
    const other = expectOk(await kp2miAdmin.exec(ops.DataSubjectAccessReportDocument, { nik: perin.trainee.nik })).dataSubjectAccessReport;
    expect(other).toMatchObject({ records: [], reads: [] });
    expectError(await perinAdmin.exec(ops.DataSubjectAccessReportDocument, { nik: '123' }), 'BAD_USER_INPUT', 'nik');
    expectError(await auditor.exec(ops.DataSubjectAccessReportDocument, { nik: perin.trainee.nik }), 'FORBIDDEN');
  });

  it('names the rule, and for shared data the MoU and clause', async () => {
    const mouId = await activeMou();
    const { mou } = await f.signedMou(t.em(), await t.ministry('KP2MI'), await t.ministry('KEMENPERIN'), [
      { provider: await t.ministry('KP2MI'), recipient: await t.ministry('KEMENPERIN'), resources: [ResourceType.TRAINEE] },
    ]);
    made.push(f.gid(mou));
    const shared = expectOk(await kp2miViewer.exec(ops.ExplainAccessDocument, { id: f.gid(perin.trainee), field: 'nik' })).explainAccess;
    expect(shared).toMatchObject({
      canRead: true,
      canWrite: false,
      readRule: 'mou-clause',
      mou: { id: mouId },
      fieldAccess: 'FULL',
      fieldRule: 'mou-clause:includes-personal-data',
    });
    const masked = expectOk(await perinViewer.exec(ops.ExplainAccessDocument, { id: f.gid(kp2mi.trainee), field: 'nik' })).explainAccess;
    expect(masked).toMatchObject({ canRead: true, fieldAccess: 'MASKED', fieldRule: 'personal-data:masked' });
    // Only the record type's own fields: a prototype key or a typo is bad input, never an answer about nothing.
    for (const field of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'niks', ''])
      expectError(await perinViewer.exec(ops.ExplainAccessDocument, { id: f.gid(kp2mi.trainee), field }), 'BAD_USER_INPUT', 'field');
    const plain = expectOk(await perinViewer.exec(ops.ExplainAccessDocument, { id: f.gid(kp2mi.trainee), field: 'fullName' })).explainAccess;
    expect(plain).toMatchObject({ fieldAccess: 'NOT_PERSONAL' });
    const own = expectOk(await kp2miEditor.exec(ops.ExplainAccessDocument, { id: f.gid(kp2mi.institution) })).explainAccess;
    expect(own).toMatchObject({ canRead: true, canWrite: true, readRule: 'own-ministry', writeRule: 'own-ministry' });
    const foreign = expectOk(await esdmAdmin.exec(ops.ExplainAccessDocument, { id: f.gid(perin.institution) })).explainAccess;
    const missing = expectOk(
      await esdmAdmin.exec(ops.ExplainAccessDocument, { id: toGlobalId('Institution', '01a00000-0000-7000-8000-000000000000') }),
    ).explainAccess;
    expect(foreign).toEqual(missing);
    expect(foreign).toMatchObject({ canRead: false, readRule: 'not-in-scope' });
  });
});

describe('expiry and termination', () => {
  it('an MoU past its window reads EXPIRED and shares nothing from the very next request', async () => {
    const mouId = await activeMou();
    await t.em().nativeUpdate(Mou, { id: Buffer.from(mouId, 'base64url').toString().split(':')[1] }, { validUntil: todayInJakarta() });
    const mou = expectOk(await kp2miViewer.exec(ops.MouDetailDocument, { id: mouId })).node as { status: string };
    expect(mou.status).toBe('EXPIRED');
    expect(nodeIds(expectOk(await kp2miEditor.exec(ops.InstitutionsDocument, { first: 100 })).institutions)).not.toContain(f.gid(perin.institution));
    expect(expectOk(await kp2miEditor.exec(ops.NodeDocument, { id: f.gid(perin.trainee) })).node).toBeNull();
    await t.em().nativeUpdate(Mou, { id: Buffer.from(mouId, 'base64url').toString().split(':')[1] }, { validUntil: '2030-10-08' });
    expect(nodeIds(expectOk(await kp2miEditor.exec(ops.InstitutionsDocument, { first: 100 })).institutions)).toContain(f.gid(perin.institution));
  });

  it('termination needs a reason and an ADMIN of a party', async () => {
    const mouId = await activeMou();
    expectError(await perinAdmin.exec(ops.TerminateMouDocument, { id: mouId, reason: '' }), 'BAD_USER_INPUT', 'reason');
    expectError(await perinViewer.exec(ops.TerminateMouDocument, { id: mouId, reason: 'Policy change' }), 'FORBIDDEN');
    expectError(await esdmAdmin.exec(ops.TerminateMouDocument, { id: mouId, reason: 'Policy change' }), 'FORBIDDEN', 'id');
    expectError(await anon.exec(ops.TerminateMouDocument, { id: mouId, reason: 'Policy change' }), 'UNAUTHENTICATED');
  });

  it('a terminated MoU stops sharing on the very next request, and stays readable with its history', async () => {
    const mouId = await activeMou();
    const ended = expectOk(await perinAdmin.exec(ops.TerminateMouDocument, { id: mouId, reason: 'Programme restructured' })).terminateMou;
    expect(ended.status).toBe('TERMINATED');
    expect(nodeIds(expectOk(await kp2miEditor.exec(ops.InstitutionsDocument, { first: 100 })).institutions)).not.toContain(f.gid(perin.institution));
    expect(nodeIds(expectOk(await perinViewer.exec(ops.TraineesDocument, { first: 100 })).trainees)).not.toContain(f.gid(kp2mi.trainee));
    expectError(await perinAdmin.exec(ops.TerminateMouDocument, { id: mouId, reason: 'Again' }), 'CONFLICT', 'id');
    expectError(await perinAdmin.exec(ops.AmendMouDocument, { input: { id: mouId, reason: 'Too late now' } }), 'CONFLICT', 'input.id');
    const history = expectOk(await auditor.exec(ops.MouDetailDocument, { id: mouId })).node as { versions: { event: string; reason: string | null }[] };
    expect(history.versions.at(-1)).toMatchObject({ event: 'TERMINATED', reason: 'Programme restructured' });
  });
});
