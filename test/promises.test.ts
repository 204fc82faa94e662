/**
 * Promises the docs make that nothing else checks: returnee-business
 * personal data (masked, full and logged under a personal-data clause, its
 * NIK filter refused where masked), "any edit voids earlier signatures", the
 * export row limit, several mutations in one operation with one failing (all or nothing), and
 * `explainAccess` for an MoU party. Each `it` makes its own data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { Institution } from '../src/modules/institution/institution.entity';
import { PersonalDataRead } from '../src/modules/personal-data/personal-data-read.entity';
import { MAX_EXPORT_ROWS } from '../src/resource/csv-export';
import { ResourceType } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';
import { draftDigest } from './support/mou-digest';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('returnee-business personal data', () => {
  it('is masked under a clause without personal data, and its NIK filter is refused there', async () => {
    const [kp2mi, umkm] = [await t.ministry('KP2MI'), await t.ministry('KEMENUMKM')];
    const theirs = await f.ministryWorld(t.em(), umkm);
    await f.signedMou(t.em(), umkm, kp2mi, [{ provider: umkm, recipient: kp2mi, resources: [ResourceType.RETURNEE_BUSINESS] }]);
    const viewer = await t.as(Role.VIEWER, 'KP2MI');
    const filter = { ownerMinistryId: toGlobalId('Ministry', umkm.id) };
    const rows = expectOk(await viewer.exec(ops.ReturneeBusinessesDocument, { filter, first: 500 })).returneeBusinesses.edges.map((e) => e.node);
    const row = rows.find((r) => r.id === f.gid(theirs.returneeBusiness));
    expect(row?.returneeNik).toBe(`${theirs.returneeBusiness.returneeNik.slice(0, 4)}**********${theirs.returneeBusiness.returneeNik.slice(14)}`);
    expect(await t.em().count(PersonalDataRead, { recordId: theirs.returneeBusiness.id })).toBe(0);
    expectError(
      await viewer.exec(ops.ReturneeBusinessCountDocument, { filter: { returneeNik: theirs.returneeBusiness.returneeNik } }),
      'FORBIDDEN',
      'filter.returneeNik',
    );
    expect(await t.em().count(PersonalDataRead, { recordId: theirs.returneeBusiness.id })).toBe(0);
  });

  it('is read in full under a clause with personal data, each read logged with its clause', async () => {
    const [kp2mi, umkm] = [await t.ministry('KP2MI'), await t.ministry('KEMENUMKM')];
    const theirs = await f.ministryWorld(t.em(), umkm);
    const em = t.em();
    const business = f.returneeBusiness(em, umkm, { returneePhone: '+62 813 5555 0101' } as never);
    await em.flush();
    const { clauses } = await f.signedMou(t.em(), umkm, kp2mi, [
      { provider: umkm, recipient: kp2mi, resources: [ResourceType.RETURNEE_BUSINESS], personal: true },
    ]);
    const viewer = await t.as(Role.VIEWER, 'KP2MI');
    const node = expectOk(
      await viewer.raw('query($id: ID!) { node(id: $id) { ... on ReturneeBusiness { returneeNik returneePhone } } }', { id: f.gid(business) }),
    ) as { node: { returneeNik: string; returneePhone: string } };
    expect(node.node).toEqual({ returneeNik: business.returneeNik, returneePhone: '+62 813 5555 0101' });
    expect(theirs.returneeBusiness.id).not.toBe(business.id);
    const reads = await t.em().find(PersonalDataRead, { recordId: business.id });
    expect(reads).toHaveLength(1);
    expect(reads[0].fields.sort()).toEqual(['returneeNik', 'returneePhone']);
    expect(reads[0].clause.id).toBe(clauses[0].id);
  });
});

describe('MoU drafts', () => {
  it('any edit voids the signatures given so far', async () => {
    const perin = await t.ministry('KEMENPERIN');
    const editor = await t.as(Role.EDITOR, 'KP2MI');
    const admin = await t.as(Role.ADMIN, 'KP2MI');
    const draft = expectOk(
      await editor.exec(ops.CreateMouDocument, {
        input: {
          title: 'Voiding test',
          scope: 'Signatures and edits',
          validFrom: '2026-01-01',
          validUntil: '2030-01-01',
          partyMinistryIds: [toGlobalId('Ministry', perin.id)],
          clauses: [],
        },
      }),
    ).createMou;
    const signed = expectOk(
      await admin.exec(ops.SignMouDocument, { id: draft.id, digest: await draftDigest(t.em(), draft.id), name: 'Kepala KP2MI', title: 'Kepala' }),
    ).signMou;
    expect(signed.parties.find((p) => p.ministry.code === 'KP2MI')?.signedAt).toBeTruthy();
    const edited = expectOk(await editor.exec(ops.UpdateMouDraftDocument, { input: { id: draft.id, title: 'Voiding test, edited' } })).updateMouDraft;
    expect(edited.status).toBe('DRAFT');
    expect(edited.parties.map((p) => [p.ministry.code, p.signedAt, p.signatoryName])).toEqual(
      expect.arrayContaining([
        ['KP2MI', null, null],
        ['KEMENPERIN', null, null],
      ]),
    );
  });
});

describe('explainAccess for an MoU party', () => {
  it('names the party rule; an ADMIN of the party signs, amends and ends but never edits the content', async () => {
    const [kp2mi, perin] = [await t.ministry('KP2MI'), await t.ministry('KEMENPERIN')];
    const { mou } = await f.signedMou(t.em(), kp2mi, perin, []);
    const id = f.gid(mou);
    const admin = expectOk(await (await t.as(Role.ADMIN, 'KEMENPERIN')).exec(ops.ExplainAccessDocument, { id })).explainAccess;
    expect(admin).toMatchObject({ canRead: true, canWrite: false, readRule: 'party', writeRule: 'mou:party-admin-signs-terminates-amends' });
    const viewer = expectOk(await (await t.as(Role.VIEWER, 'KEMENPERIN')).exec(ops.ExplainAccessDocument, { id })).explainAccess;
    expect(viewer).toMatchObject({ canRead: true, canWrite: false, readRule: 'party', writeRule: 'role:editor-or-admin' });
    const outsider = expectOk(await (await t.as(Role.ADMIN, 'KESDM')).exec(ops.ExplainAccessDocument, { id })).explainAccess;
    expect(outsider).toMatchObject({ canRead: false, readRule: 'not-in-scope' });
  });
});

describe('several mutations in one operation', () => {
  it('are all or nothing: one failing writes none of them and leaves no event, and says which failed', async () => {
    const editor = await t.as(Role.EDITOR, 'KEMENPAR');
    const owner = (await t.ministry('KEMENPAR')).id;
    const [institutionsBefore, eventsBefore] = [await t.em().count(Institution, { ownerMinistry: owner }), await t.em().count(AuditEvent, {})];
    // Built per case: the same three mutations, the second with the province given.
    const op = (b: string) => `mutation {
      a: createInstitution(input: { name: "First of three", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 10 }) { id }
      b: createInstitution(input: { name: "Second of three", type: TRAINING_CENTRE, provinceCode: "${b}", annualCapacity: 10 }) { id }
      c: createInstitution(input: { name: "Third of three", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 10 }) { id }
    }`;
    const res = await editor.raw(op('99'));
    // Nothing took effect, and every answer says so: b's error, a rolled back, c never run.
    expect(res.data).toEqual({ a: null, b: null, c: null });
    const byPath = Object.fromEntries(res.errors!.map((e) => [String(e.path), e.extensions]));
    expect(byPath.b).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.provinceCode' });
    expect(byPath.a).toMatchObject({ code: 'ROLLED_BACK' });
    expect(byPath.c).toMatchObject({ code: 'ROLLED_BACK' });
    expect(res.errors).toHaveLength(3);
    expect(await t.em().count(Institution, { ownerMinistry: owner })).toBe(institutionsBefore);
    expect(await t.em().count(AuditEvent, {})).toBe(eventsBefore);
    // The same operation without the bad value: all three, one event each.
    const ok = expectOk(await editor.raw(op('51')));
    expect(Object.keys(ok).sort()).toEqual(['a', 'b', 'c']);
    expect(await t.em().count(Institution, { ownerMinistry: owner })).toBe(institutionsBefore + 3);
    expect(await t.em().count(AuditEvent, {})).toBe(eventsBefore + 3);
  });
});

describe('the export row limit', () => {
  it(`refuses an export of more than ${MAX_EXPORT_ROWS} rows, naming the filter, and serves it narrowed`, async () => {
    const kkp = await t.ministry('KKP');
    // Rows made in the database directly: the limit is about what an export may hold, not how rows arrive.
    await t.em().execute(`insert into institution (id, owner_ministry_id, name, type, province_code, annual_capacity, sectors, link_and_match, pmi_preparation)
      select gen_random_uuid(), '${kkp.id}', 'Bulk ' || g, 'TRAINING_CENTRE', case when g <= 3 then '51' else '35' end, 1, '{}', false, false from generate_series(1, ${MAX_EXPORT_ROWS + 1}) g`);
    const viewer = await t.as(Role.VIEWER, 'KKP');
    const refused = expectError(await viewer.exec(ops.InstitutionsCsvDocument, {}), 'BAD_USER_INPUT', 'filter');
    expect(refused.message).toContain(String(MAX_EXPORT_ROWS));
    const narrowed = expectOk(await viewer.exec(ops.InstitutionsCsvDocument, { filter: { provinceCode: '51' } })).institutionsCsv;
    expect(narrowed.trim().split('\n')).toHaveLength(1 + 3);
  }, 120_000);
});
