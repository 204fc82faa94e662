/**
 * Consent that no single party can bend (issue 8): an amendment takes effect
 * only with every party's signature, any party rejects, the proposer
 * withdraws, at most one is pending, and a provider narrows its own sharing
 * at once. Starts from the attack that worked before: KESDM's ADMIN adding a
 * "KP2MI shares its trainees with KESDM, with personal data" clause and an
 * extension to 2099 on its own.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { Mou } from '../src/modules/mou/mou.entity';
import { PersonalDataRead } from '../src/modules/personal-data/personal-data-read.entity';
import { MouStatus, ResourceType } from '../src/shared/enums';
import { fromGlobalId, toGlobalId } from '../src/shared/global-id';
import { pendingDigest } from './support/mou-digest';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

type World = Awaited<ReturnType<typeof f.ministryWorld>>;
let t: TestApp;
let kp2mi: World;
let kp2miAdmin: Client, kp2miViewer: Client, esdmAdmin: Client, esdmViewer: Client, perinAdmin: Client, anon: Client;
let ids: Record<string, string>;
let mouId: string;
let kp2miClauseId: string;

const mid = (code: string) => toGlobalId('Ministry', ids[code]);
const widening = (): ops.AmendMouInput => ({
  id: mouId,
  reason: 'Addendum: KP2MI shares its registry with personal data, extended to 2099',
  validUntil: '2099-01-01',
  clauses: [
    {
      providerMinistryId: mid('KESDM'),
      recipientMinistryId: mid('KP2MI'),
      resourceTypes: ['INSTITUTION', 'PROGRAM'],
      includesPersonalData: false,
      purpose: 'Monitoring vocational preparation',
    },
    {
      providerMinistryId: mid('KP2MI'),
      recipientMinistryId: mid('KESDM'),
      resourceTypes: ['TRAINEE'],
      includesPersonalData: true,
      purpose: 'Matching calon PMI, with their contact data',
    },
  ],
});

/** What KESDM's viewer sees of KP2MI's trainee, or null when it sees no such row. */
async function esdmSeesKp2miTrainee() {
  const list = expectOk(await esdmViewer.exec(ops.TraineesDocument, { first: 100, filter: { ownerMinistryId: mid('KP2MI') } })).trainees;
  return list.edges.find((e) => e.node.id === f.gid(kp2mi.trainee))?.node ?? null;
}

async function mouDetail() {
  return expectOk(await kp2miViewer.exec(ops.MouAmendmentsDocument, { id: mouId })).node as unknown as {
    validUntil: string;
    clauses: { id: string; providerMinistry: { code: string }; includesPersonalData: boolean; resourceTypes: string[] }[];
    pendingAmendment: { number: number; status: string; signatures: { ministry: { code: string } }[] } | null;
    amendments: { number: number; status: string; decisionReason: string | null }[];
    versions: { event: string; reason: string | null }[];
  };
}

beforeAll(async () => {
  t = await startTestApp();
  const [a, b, c] = await Promise.all(['KP2MI', 'KESDM', 'KEMENPERIN'].map((code) => t.ministry(code)));
  ids = { KP2MI: a.id, KESDM: b.id, KEMENPERIN: c.id };
  kp2mi = await f.ministryWorld(t.em(), a);
  await f.ministryWorld(t.em(), b);
  [kp2miAdmin, kp2miViewer, esdmAdmin, esdmViewer, perinAdmin] = await Promise.all([
    t.as(Role.ADMIN, 'KP2MI'),
    t.as(Role.VIEWER, 'KP2MI'),
    t.as(Role.ADMIN, 'KESDM'),
    t.as(Role.VIEWER, 'KESDM'),
    t.as(Role.ADMIN, 'KEMENPERIN'),
  ]);
  anon = t.anonymous();
});
afterAll(() => t.close());

// Every test starts from the MoU of 8 October 2025 as signed: KP2MI shares its trainees with KESDM without personal data.
beforeEach(async () => {
  const em = t.em();
  const [kp2miM, esdmM] = await Promise.all([t.ministry('KP2MI'), t.ministry('KESDM')]);
  const { mou, clauses } = await f.signedMou(
    em,
    kp2miM,
    esdmM,
    [
      { provider: esdmM, recipient: kp2miM, resources: [ResourceType.INSTITUTION, ResourceType.PROGRAM], purpose: 'Monitoring vocational preparation' },
      { provider: kp2miM, recipient: esdmM, resources: [ResourceType.TRAINEE], purpose: 'Matching registered calon PMI with training places' },
    ],
    { title: 'Nota Kesepahaman KP2MI–KESDM (test)', validFrom: '2025-10-08', validUntil: '2030-10-08' },
  );
  const shared = clauses[1];
  // One MoU between them at a time, so that what KESDM sees is this MoU's doing.
  await em.nativeUpdate(
    Mou,
    { id: { $ne: mou.id }, partyMinistryIds: { $contains: [ids.KESDM] } },
    { recordedStatus: MouStatus.TERMINATED, terminatedAt: new Date() },
  );
  mouId = f.gid(mou);
  kp2miClauseId = toGlobalId('DataSharingClause', shared.id);
});

describe("an amendment needs every party's signature", () => {
  it('the attack of issue 8: one party widens and extends; masked until the other party signs, then full', async () => {
    expect((await esdmSeesKp2miTrainee())!.nik).toMatch(/\*{10}/);
    const proposed = expectOk(await esdmAdmin.exec(ops.AmendMouDocument, { input: widening() })).amendMou;
    expect(proposed.pendingAmendment).toMatchObject({ status: 'PENDING', validUntil: '2099-01-01', signatures: [{ ministry: { code: 'KESDM' } }] });

    // Nothing of it is in force: same window, same clauses, masked values, nothing logged.
    const seen = (await esdmSeesKp2miTrainee())!;
    expect(seen.nik).toBe(`${kp2mi.trainee.nik.slice(0, 4)}**********${kp2mi.trainee.nik.slice(14)}`);
    for (const field of ['birthDate', 'phone', 'email', 'address'] as const) expect(seen[field]).not.toBe(kp2mi.trainee[field]);
    const before = await mouDetail();
    expect(before.validUntil).toBe('2030-10-08');
    expect(before.clauses.find((c) => c.providerMinistry.code === 'KP2MI')!.includesPersonalData).toBe(false);
    expect(await t.em().count(PersonalDataRead, { recordId: kp2mi.trainee.id })).toBe(0);
    expectError(
      await esdmAdmin.exec(ops.SignMouAmendmentDocument, { id: mouId, digest: await pendingDigest(t.em(), mouId), name: 'Menteri ESDM', title: 'Menteri' }),
      'CONFLICT',
      'id',
    );

    const signed = expectOk(
      await kp2miAdmin.exec(ops.SignMouAmendmentDocument, { id: mouId, digest: await pendingDigest(t.em(), mouId), name: 'Menteri P2MI', title: 'Menteri' }),
    ).signMouAmendment;
    expect(signed.validUntil).toBe('2099-01-01');
    expect(signed.pendingAmendment).toBeNull();
    const full = (await esdmSeesKp2miTrainee())!;
    expect({ nik: full.nik, birthDate: full.birthDate, phone: full.phone, email: full.email, address: full.address }).toEqual({
      nik: kp2mi.trainee.nik,
      birthDate: kp2mi.trainee.birthDate,
      phone: kp2mi.trainee.phone,
      email: kp2mi.trainee.email,
      address: kp2mi.trainee.address,
    });
    expect(await t.em().count(PersonalDataRead, { recordId: kp2mi.trainee.id })).toBe(1);

    const after = await mouDetail();
    expect(after.versions.map((v) => v.event).slice(-3)).toEqual(['AMENDMENT_PROPOSED', 'AMENDMENT_SIGNED', 'AMENDED']);
    expect(after.amendments).toMatchObject([{ number: 1, status: 'APPLIED' }]);
    const events = await t.em().find(AuditEvent, { entityId: Buffer.from(mouId, 'base64url').toString().split(':')[1] }, { orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.operation)).toEqual(['amendMou', 'signMouAmendment']);
    expect(events[1].changes).toContainEqual({
      note: { amendment: expect.objectContaining({ number: 1, outcome: 'APPLIED', applied: expect.objectContaining({ validUntil: '2099-01-01' }) }) },
    });
  });

  it('any party rejects, with a reason; the terms stay as signed', async () => {
    expectOk(await esdmAdmin.exec(ops.AmendMouDocument, { input: widening() }));
    expectError(await esdmAdmin.exec(ops.RejectMouAmendmentDocument, { id: mouId, reason: 'Changed our mind' }), 'FORBIDDEN', 'id');
    expectError(await kp2miAdmin.exec(ops.RejectMouAmendmentDocument, { id: mouId, reason: 'no' }), 'BAD_USER_INPUT', 'reason');
    const rejected = expectOk(
      await kp2miAdmin.exec(ops.RejectMouAmendmentDocument, { id: mouId, reason: 'Personal data is not needed for matching' }),
    ).rejectMouAmendment;
    expect(rejected.pendingAmendment).toBeNull();
    expect(rejected.validUntil).toBe('2030-10-08');
    expectError(
      await kp2miAdmin.exec(ops.SignMouAmendmentDocument, { id: mouId, digest: await pendingDigest(t.em(), mouId), name: 'Menteri P2MI', title: 'Menteri' }),
      'CONFLICT',
      'id',
    );
    expect((await esdmSeesKp2miTrainee())!.nik).toMatch(/\*{10}/);
    const detail = await mouDetail();
    expect(detail.amendments).toMatchObject([{ status: 'REJECTED', decisionReason: 'Personal data is not needed for matching' }]);
    expect(detail.versions.at(-1)).toMatchObject({ event: 'AMENDMENT_REJECTED', reason: 'Personal data is not needed for matching' });
  });

  it('the proposer withdraws; nobody else can', async () => {
    expectOk(await esdmAdmin.exec(ops.AmendMouDocument, { input: widening() }));
    expectError(await kp2miAdmin.exec(ops.WithdrawMouAmendmentDocument, { id: mouId, reason: 'Not ours to withdraw' }), 'FORBIDDEN', 'id');
    expectError(await esdmViewer.exec(ops.WithdrawMouAmendmentDocument, { id: mouId, reason: 'Viewer tries' }), 'FORBIDDEN');
    expectError(await anon.exec(ops.WithdrawMouAmendmentDocument, { id: mouId, reason: 'Anonymous tries' }), 'UNAUTHENTICATED');
    expectError(await esdmAdmin.exec(ops.WithdrawMouAmendmentDocument, { id: mouId, reason: 'x' }), 'BAD_USER_INPUT', 'reason');
    const withdrawn = expectOk(await esdmAdmin.exec(ops.WithdrawMouAmendmentDocument, { id: mouId, reason: 'Drafted in error' })).withdrawMouAmendment;
    expect(withdrawn.pendingAmendment).toBeNull();
    expect((await mouDetail()).amendments).toMatchObject([{ status: 'WITHDRAWN', decisionReason: 'Drafted in error' }]);
  });

  it('an MoU has at most one pending amendment', async () => {
    expectOk(await esdmAdmin.exec(ops.AmendMouDocument, { input: widening() }));
    expectError(
      await kp2miAdmin.exec(ops.AmendMouDocument, { input: { id: mouId, reason: 'A second proposal', validUntil: '2031-01-01' } }),
      'CONFLICT',
      'input.id',
    );
    expect((await mouDetail()).amendments).toHaveLength(1);
  });

  it('signing needs a party ADMIN, a signatory and a login', async () => {
    expectOk(await esdmAdmin.exec(ops.AmendMouDocument, { input: widening() }));
    const sign = (name: string, title: string) => ({ id: mouId, name, title });
    const digest = await pendingDigest(t.em(), mouId);
    expectError(await kp2miAdmin.exec(ops.SignMouAmendmentDocument, { ...sign(' ', 'Menteri'), digest }), 'BAD_USER_INPUT', 'signatoryName');
    expectError(await kp2miViewer.exec(ops.SignMouAmendmentDocument, { ...sign('A', 'B'), digest }), 'FORBIDDEN');
    expectError(await perinAdmin.exec(ops.SignMouAmendmentDocument, { ...sign('A', 'B'), digest }), 'FORBIDDEN', 'id');
    expectError(await anon.exec(ops.SignMouAmendmentDocument, { ...sign('A', 'B'), digest }), 'UNAUTHENTICATED');
    expectError(await perinAdmin.exec(ops.RejectMouAmendmentDocument, { id: mouId, reason: 'Not a party' }), 'FORBIDDEN', 'id');
    expect((await mouDetail()).pendingAmendment).toMatchObject({ status: 'PENDING' });
  });
});

describe('narrowing is withdrawing consent, at once', () => {
  it('the provider switches personal data off, and the recipient reads masked values on its next request', async () => {
    // First a clause with personal data, agreed by both.
    expectOk(await kp2miAdmin.exec(ops.AmendMouDocument, { input: widening() }));
    expectOk(
      await esdmAdmin.exec(ops.SignMouAmendmentDocument, { id: mouId, digest: await pendingDigest(t.em(), mouId), name: 'Menteri ESDM', title: 'Menteri' }),
    );
    expect((await esdmSeesKp2miTrainee())!.nik).toBe(kp2mi.trainee.nik);
    const clause = (await mouDetail()).clauses.find((c) => c.providerMinistry.code === 'KP2MI')!;

    expectError(
      await esdmAdmin.exec(ops.NarrowMouClauseDocument, { input: { clauseId: clause.id, reason: 'Not ours', includesPersonalData: false } }),
      'FORBIDDEN',
      'input.clauseId',
    );
    expectError(
      await kp2miViewer.exec(ops.NarrowMouClauseDocument, { input: { clauseId: clause.id, reason: 'Viewer', includesPersonalData: false } }),
      'FORBIDDEN',
    );
    expectError(
      await anon.exec(ops.NarrowMouClauseDocument, { input: { clauseId: clause.id, reason: 'Anonymous', includesPersonalData: false } }),
      'UNAUTHENTICATED',
    );
    expectError(
      await kp2miAdmin.exec(ops.NarrowMouClauseDocument, {
        input: { clauseId: clause.id, reason: 'Widen it', keepResourceTypes: ['TRAINEE', 'ENROLLMENT'] },
      }),
      'BAD_USER_INPUT',
      'input.keepResourceTypes',
    );
    expectError(
      await kp2miAdmin.exec(ops.NarrowMouClauseDocument, { input: { clauseId: clause.id, reason: 'No change', includesPersonalData: true } }),
      'BAD_USER_INPUT',
      'input',
    );

    const narrowed = expectOk(
      await kp2miAdmin.exec(ops.NarrowMouClauseDocument, {
        input: { clauseId: clause.id, reason: 'Consent for contact data withdrawn', includesPersonalData: false },
      }),
    ).narrowMouClause;
    expect(narrowed.clauses.find((c) => c.providerMinistry.code === 'KP2MI')).toMatchObject({ includesPersonalData: false, resourceTypes: ['TRAINEE'] });
    expect((await esdmSeesKp2miTrainee())!.nik).toMatch(/\*{10}/);
    expect((await mouDetail()).versions.at(-1)).toMatchObject({ event: 'NARROWED', reason: 'Consent for contact data withdrawn' });
  });

  it('dropping a clause stops the sharing at once', async () => {
    expect(await esdmSeesKp2miTrainee()).not.toBeNull();
    expectOk(
      await kp2miAdmin.exec(ops.NarrowMouClauseDocument, { input: { clauseId: kp2miClauseId, reason: 'Registry no longer shared', keepResourceTypes: [] } }),
    );
    expect(await esdmSeesKp2miTrainee()).toBeNull();
    expectError(
      await kp2miAdmin.exec(ops.NarrowMouClauseDocument, { input: { clauseId: kp2miClauseId, reason: 'Again', keepResourceTypes: [] } }),
      'FORBIDDEN',
      'input.clauseId',
    );
  });

  it("narrowing voids the provider's earlier signature on a pending amendment", async () => {
    expectOk(await kp2miAdmin.exec(ops.AmendMouDocument, { input: widening() }));
    expectOk(
      await kp2miAdmin.exec(ops.NarrowMouClauseDocument, { input: { clauseId: kp2miClauseId, reason: 'Registry no longer shared', keepResourceTypes: [] } }),
    );
    // KESDM's signature alone no longer completes it: KP2MI must sign again.
    const afterEsdm = expectOk(
      await esdmAdmin.exec(ops.SignMouAmendmentDocument, { id: mouId, digest: await pendingDigest(t.em(), mouId), name: 'Menteri ESDM', title: 'Menteri' }),
    ).signMouAmendment;
    expect(afterEsdm.pendingAmendment).toMatchObject({ status: 'PENDING', signatures: [{ ministry: { code: 'KESDM' } }] });
    expect(await esdmSeesKp2miTrainee()).toBeNull();
  });
});

describe('a signature binds to the exact text its signer read (issue 29)', () => {
  const rename = (): ops.AmendMouInput => ({ id: mouId, reason: 'Title only: the programme was renamed', title: 'Nota Kesepahaman KP2MI–KESDM (renamed)' });

  it('the swap: a title-only amendment read, then withdrawn and proposed anew with personal data to 2099 in one request, is not what gets signed', async () => {
    expectOk(await esdmAdmin.exec(ops.AmendMouDocument, { input: rename() }));
    // KP2MI's ADMIN reviews the title-only amendment and keeps its digest.
    const reviewed = (await mouDetail()) as unknown as { pendingAmendment: { digest: string; title: string } };
    expect(reviewed.pendingAmendment.title).toMatch(/renamed/);
    const swapped = await esdmAdmin.raw(
      `mutation($id: ID!, $input: AmendMouInput!) {
        w: withdrawMouAmendment(id: $id, reason: "Replaced by a better text") { id }
        a: amendMou(input: $input) { pendingAmendment { digest number } }
      }`,
      { id: mouId, input: widening() },
    );
    expect(swapped.errors).toBeUndefined();
    const now = swapped.data!.a.pendingAmendment as { digest: string; number: number };
    expect(now.digest).not.toBe(reviewed.pendingAmendment.digest);

    const refused = await kp2miAdmin.exec(ops.SignMouAmendmentDocument, {
      id: mouId,
      digest: reviewed.pendingAmendment.digest,
      name: 'Menteri P2MI',
      title: 'Menteri',
    });
    expectError(refused, 'CONFLICT', 'digest');
    // Nothing signed, nothing in force: KESDM still reads KP2MI's trainees masked, and nothing was logged.
    const after = await mouDetail();
    expect(after.pendingAmendment!.signatures.map((s) => s.ministry.code)).toEqual(['KESDM']);
    expect(after.validUntil).toBe('2030-10-08');
    expect((await esdmSeesKp2miTrainee())!.nik).toMatch(/\*{10}/);
    // Signing what is now pending, with its own digest, is a decision taken with the text in front of the signer.
    expectOk(await kp2miAdmin.exec(ops.SignMouAmendmentDocument, { id: mouId, digest: now.digest, name: 'Menteri P2MI', title: 'Menteri' }));
    expect((await mouDetail()).validUntil).toBe('2099-01-01');
  });

  it('a draft edited after one party signed voids that signature, and the old digest signs nothing', async () => {
    const kp2miEditor = await t.as(Role.EDITOR, 'KP2MI');
    const created = expectOk(
      await kp2miEditor.exec(ops.CreateMouDocument, {
        input: {
          title: 'Draft to be edited',
          scope: 'Vocational training of calon PMI',
          validFrom: '2026-01-01',
          validUntil: '2028-01-01',
          partyMinistryIds: [mid('KESDM')],
          clauses: [
            {
              providerMinistryId: mid('KESDM'),
              recipientMinistryId: mid('KP2MI'),
              resourceTypes: ['INSTITUTION'],
              includesPersonalData: false,
              purpose: 'Monitoring vocational preparation',
            },
          ],
        },
      }),
    ).createMou;
    const read = created.digest!;
    expect(read).toMatch(/^[0-9a-f]{64}$/);
    const detail = expectOk(await kp2miViewer.exec(ops.MouAmendmentsDocument, { id: created.id })).node as unknown as { versions: { digest: string }[] };
    expect(detail.versions.at(-1)!.digest).toBe(read);

    expectOk(await esdmAdmin.exec(ops.SignMouDocument, { id: created.id, digest: read, name: 'Menteri ESDM', title: 'Menteri' }));
    const edited = expectOk(
      await kp2miEditor.exec(ops.UpdateMouDraftDocument, {
        input: {
          id: created.id,
          clauses: [
            {
              providerMinistryId: mid('KP2MI'),
              recipientMinistryId: mid('KESDM'),
              resourceTypes: ['TRAINEE'],
              includesPersonalData: true,
              purpose: 'Matching calon PMI with places',
            },
          ],
        },
      }),
    ).updateMouDraft;
    expect(edited.digest).not.toBe(read);
    expect(edited.status).toBe('DRAFT');
    const parties = (await t
      .em()
      .getConnection()
      .execute('select signed_at from mou_party where mou_id = ?', [fromGlobalId(created.id, 'Mou', 'id')])) as { signed_at: unknown }[];
    expect(parties.every((p) => p.signed_at === null)).toBe(true);

    // KP2MI's ADMIN read the first text: its digest signs nothing now.
    expectError(await kp2miAdmin.exec(ops.SignMouDocument, { id: created.id, digest: read, name: 'Menteri P2MI', title: 'Menteri' }), 'CONFLICT', 'digest');
    expectError(
      await kp2miAdmin.exec(ops.SignMouDocument, { id: created.id, digest: 'not-a-digest', name: 'Menteri P2MI', title: 'Menteri' }),
      'BAD_USER_INPUT',
      'digest',
    );
    expect(
      (
        (await t
          .em()
          .getConnection()
          .execute('select count(*)::int as n from mou_party where mou_id = ? and signed_at is not null', [fromGlobalId(created.id, 'Mou', 'id')])) as {
          n: number;
        }[]
      )[0].n,
    ).toBe(0);
    // Both sign the text as it now stands; only then is it ACTIVE.
    expectOk(await kp2miAdmin.exec(ops.SignMouDocument, { id: created.id, digest: edited.digest!, name: 'Menteri P2MI', title: 'Menteri' }));
    const active = expectOk(
      await esdmAdmin.exec(ops.SignMouDocument, { id: created.id, digest: edited.digest!, name: 'Menteri ESDM', title: 'Menteri' }),
    ).signMou;
    expect(active.status).toBe('ACTIVE');
    await t.em().nativeUpdate(Mou, { id: fromGlobalId(created.id, 'Mou', 'id') }, { recordedStatus: MouStatus.TERMINATED });
  });
});
