/**
 * Placements abroad: the rules of the law (UU 18/2017's minimum age on the
 * day of departure; Kepmenaker 260/2015's moratorium on household employers
 * only), sharing by a PLACEMENT clause like any other resource, the birth
 * date read behind the age rule, the import, and the demo's figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { PersonalDataRead } from '../src/modules/personal-data/personal-data-read.entity';
import { Placement } from '../src/modules/placement/placement.entity';
import { ResourceType, Sex } from '../src/shared/enums';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, TEST_PASSWORD, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let kp2miEditor: Client;

/** The declaration's valid create input (its fixture: made at once), less the trainee and the dates each case sets itself. */
const declared = f.FIXTURED.find((r) => r.name === 'Placement')!.fixture.create({ Trainee: { id: '' } }, () => Promise.reject(new Error('none')), 0);
const { traineeId: _trainee, departureDate: _departure, contractStart: _start, contractEnd: _end, ...base } = declared as ops.CreatePlacementInput;

beforeAll(async () => {
  t = await startTestApp();
  kp2miEditor = await t.as(Role.EDITOR, 'KP2MI');
});
afterAll(() => t.close());

describe('the moratorium closes household placement only (Kepmenaker 260/2015)', () => {
  it('refuses an individual (household) employer in Saudi Arabia, naming the basis, and admits a hotel there', async () => {
    const w = await f.ministryWorld(t.em(), await t.ministry('KP2MI'));
    const before = await t.em().count(Placement, {});
    const refused = expectError(
      await kp2miEditor.exec(ops.CreatePlacementDocument, {
        input: {
          ...base,
          traineeId: f.gid(w.trainee),
          destinationCountryCode: 'SA',
          employerType: 'INDIVIDUAL',
          employerName: 'A household',
          jobTitle: 'Domestic worker',
          scheme: 'P_TO_P',
        },
      }),
      'BAD_USER_INPUT',
    );
    expect(refused.extensions?.field).toBe('input.destinationCountryCode');
    expect(refused.message).toContain('260/2015');
    expect(await t.em().count(Placement, {})).toBe(before);
    const hotel = expectOk(
      await kp2miEditor.exec(ops.CreatePlacementDocument, {
        input: {
          ...base,
          traineeId: f.gid(w.trainee),
          destinationCountryCode: 'SA',
          employerName: 'Riyadh Grand Hotel',
          jobTitle: 'Front desk',
          sector: 'TOURISM',
          scheme: 'P_TO_P',
        },
      }),
    ).createPlacement;
    expect(hotel).toMatchObject({ destinationCountryCode: 'SA', employerType: 'COMPANY', destinationCountry: { code: 'SA', moratorium: true } });
    // Changing the employer of that placement to a household is the same refusal.
    expectError(await kp2miEditor.exec(ops.UpdatePlacementDocument, { input: { id: hotel.id, employerType: 'INDIVIDUAL' } }), 'BAD_USER_INPUT');
  });

  it('programmes say whether they prepare for household work: only those are refused a moratorium destination', async () => {
    const w = await f.ministryWorld(t.em(), await t.ministry('KP2MI'));
    const input = {
      institutionId: f.gid(w.institution),
      title: 'Hospitality for the Gulf',
      sector: 'TOURISM' as const,
      targetCountryCodes: ['SA', 'QA'],
      capacityPerIntake: 20,
    };
    const hotel = expectOk(await kp2miEditor.exec(ops.CreateProgramDocument, { input })).createProgram;
    expect(hotel.targetCountryCodes).toEqual(['SA', 'QA']);
    const household = expectError(await kp2miEditor.exec(ops.CreateProgramDocument, { input: { ...input, forHouseholdWork: true } }), 'BAD_USER_INPUT');
    expect(household.extensions?.field).toBe('input.targetCountryCodes');
    // Turning the hotel programme into household preparation is refused too, naming the flag.
    const flip = expectError(await kp2miEditor.exec(ops.UpdateProgramDocument, { input: { id: hotel.id, forHouseholdWork: true } }), 'BAD_USER_INPUT');
    expect(flip.extensions?.field).toBe('input.forHouseholdWork');
  });
});

describe('at least 18 on the departure date (UU 18/2017)', () => {
  it('refuses a departure the day before the 18th birthday and admits it on the day', async () => {
    const em = t.em();
    const young = f.trainee(em, await t.ministry('KP2MI'), { birthDate: '2008-03-01', sex: Sex.MALE } as never);
    await em.flush();
    const input = { ...base, traineeId: f.gid(young), departureDate: '2026-02-28' };
    const refused = expectError(await kp2miEditor.exec(ops.CreatePlacementDocument, { input }), 'BAD_USER_INPUT');
    expect(refused.extensions?.field).toBe('input.departureDate');
    const ok = expectOk(await kp2miEditor.exec(ops.CreatePlacementDocument, { input: { ...input, departureDate: '2026-03-01' } })).createPlacement;
    // Moving the departure earlier later on is checked again.
    expectError(await kp2miEditor.exec(ops.UpdatePlacementDocument, { input: { id: ok.id, departureDate: '2026-01-15' } }), 'BAD_USER_INPUT');
  });
});

describe("placements of another ministry's trainees", () => {
  it("need the trainee's personal data to record a departure, and log that read of the birth date", async () => {
    const [kp2mi, kesdm] = [await t.ministry('KP2MI'), await t.ministry('KESDM')];
    const theirs = await f.ministryWorld(t.em(), kesdm);
    // A clause without personal data: KP2MI reads the trainee, birth date masked.
    const { clauses } = await f.signedMou(t.em(), kesdm, kp2mi, [{ provider: kesdm, recipient: kp2mi, resources: [ResourceType.TRAINEE] }]);
    const input = { ...base, traineeId: f.gid(theirs.trainee), departureDate: '2026-06-15' };
    const masked = expectError(await kp2miEditor.exec(ops.CreatePlacementDocument, { input }), 'BAD_USER_INPUT');
    expect(masked.message).toContain('birth date');
    // Without a departure date nothing about the person's age is asked.
    expectOk(await kp2miEditor.exec(ops.CreatePlacementDocument, { input: { ...input, departureDate: null } }));

    // With a clause that includes personal data the departure is recorded, and the birth-date read is logged under it.
    const personal = await f.signedMou(t.em(), kesdm, kp2mi, [{ provider: kesdm, recipient: kp2mi, resources: [ResourceType.TRAINEE], personal: true }]);
    const before = await t.em().count(PersonalDataRead, { recordId: theirs.trainee.id });
    expectOk(await kp2miEditor.exec(ops.CreatePlacementDocument, { input }));
    const reads = await t.em().find(PersonalDataRead, { recordId: theirs.trainee.id }, { orderBy: { readAt: 'desc' } });
    expect(reads.length).toBe(before + 1);
    expect(reads[0].clause.id).toBe(personal.clauses[0].id);
    expect(reads[0].fields).toEqual(['birthDate']);
    expect(clauses[0].id).not.toBe(personal.clauses[0].id);
  });
});

describe('no oracle on personal data (issue 29)', () => {
  it('a refused age check, a request rolled back and a request committed each log the birth-date read; none answers without it', async () => {
    const [kp2mi, kesdm] = [await t.ministry('KP2MI'), await t.ministry('KESDM')];
    const em = t.em();
    const theirs = f.trainee(em, kesdm, { birthDate: '2008-07-10', sex: Sex.FEMALE } as never);
    await em.flush();
    await f.signedMou(t.em(), kesdm, kp2mi, [{ provider: kesdm, recipient: kp2mi, resources: [ResourceType.TRAINEE], personal: true }]);
    const reads = () => t.em().count(PersonalDataRead, { recordId: theirs.id, fields: { $contains: ['birthDate'] } });
    const placements = () => t.em().count(Placement, { trainee: theirs.id });
    const probe = (departureDate: string) => ({ ...base, traineeId: f.gid(theirs), departureDate });

    // The attack: a second mutation that always fails, so that nothing is written and the answer says only
    // whether the age check passed (ROLLED_BACK) or not (under 18).
    const oracle = (departureDate: string) =>
      kp2miEditor.raw(
        `mutation($input: CreatePlacementInput!) {
          a: createPlacement(input: $input) { id }
          b: deleteInstitution(id: "${f.gid({ id: '00000000-0000-4000-8000-000000000000', constructor: { name: 'Institution' } })}") { deletedId }
        }`,
        { input: probe(departureDate) },
      );
    let expected = await reads();
    for (const day of ['2026-07-09', '2026-07-10']) {
      const res = await oracle(day);
      // Under 18 on the first day (refused), of age on the second (answered ROLLED_BACK): either way a read.
      expect(res.errors?.map((e) => e.extensions?.code)).toContain(day === '2026-07-09' ? 'BAD_USER_INPUT' : 'ROLLED_BACK');
      expect(await placements()).toBe(0);
      expected++;
      expect(await reads(), `read log after probing ${day}`).toBe(expected);
    }
    // A single refused check, alone in its request.
    expectError(await kp2miEditor.exec(ops.CreatePlacementDocument, { input: probe('2025-01-01') }), 'BAD_USER_INPUT');
    expect(await reads()).toBe(++expected);
    // A login runs alone: beside it, a session that might be rolled back would read without a trace. Refused
    // before anything runs, nothing read.
    const res = await t.anonymous().raw(
      `mutation($e: String!, $p: String!, $input: CreatePlacementInput!) {
        l: login(email: $e, password: $p) { token }
        a: createPlacement(input: $input) { id }
      }`,
      { e: kp2miEditor.account!.email, p: TEST_PASSWORD, input: probe('2025-01-02') },
    );
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_REQUEST']);
    expect(await reads()).toBe(expected);
    // And the committed one, once.
    expectOk(await kp2miEditor.exec(ops.CreatePlacementDocument, { input: probe('2026-07-10') }));
    expect(await reads()).toBe(++expected);
    expect(await placements()).toBe(1);
    const [latest] = await t.em().find(PersonalDataRead, { recordId: theirs.id }, { orderBy: { readAt: 'desc' }, limit: 1 });
    expect(latest.fields).toEqual(['birthDate']);
  });
});

describe('sharing placements by a PLACEMENT clause', () => {
  it("a partner reads KP2MI's placements only under a clause in force naming PLACEMENT, and never writes them", async () => {
    const [kp2mi, perin] = [await t.ministry('KP2MI'), await t.ministry('KEMENPERIN')];
    const mine = await f.ministryWorld(t.em(), kp2mi);
    const perinViewer = await t.as(Role.VIEWER, 'KEMENPERIN');
    const perinEditor = await t.as(Role.EDITOR, 'KEMENPERIN');
    const find = async (c: Client) =>
      expectOk(await c.exec(ops.PlacementsDocument, { filter: { ownerMinistryId: f.gid(kp2mi) }, first: 1000 })).placements.edges.map((e) => e.node.id);
    expect(await find(perinViewer)).not.toContain(f.gid(mine.placement));
    // A clause covering trainees only shares no placement.
    await f.signedMou(t.em(), kp2mi, perin, [{ provider: kp2mi, recipient: perin, resources: [ResourceType.TRAINEE] }]);
    expect(await find(await t.as(Role.VIEWER, 'KEMENPERIN'))).not.toContain(f.gid(mine.placement));
    await f.signedMou(t.em(), kp2mi, perin, [{ provider: kp2mi, recipient: perin, resources: [ResourceType.PLACEMENT] }]);
    const viewer = await t.as(Role.VIEWER, 'KEMENPERIN');
    expect(await find(viewer)).toContain(f.gid(mine.placement));
    const node = expectOk(await viewer.raw('query($id: ID!) { node(id: $id) { ... on Placement { id employerName } } }', { id: f.gid(mine.placement) })) as {
      node: { id: string } | null;
    };
    expect(node.node?.id).toBe(f.gid(mine.placement));
    const why = expectOk(await viewer.exec(ops.ExplainAccessDocument, { id: f.gid(mine.placement) })).explainAccess;
    expect(why).toMatchObject({ canRead: true, canWrite: false, readRule: 'mou-clause' });
    expectError(await perinEditor.exec(ops.UpdatePlacementDocument, { input: { id: f.gid(mine.placement), jobTitle: 'Pwned' } }), 'FORBIDDEN');
    expectError(await perinEditor.exec(ops.DeletePlacementDocument, { id: f.gid(mine.placement) }), 'FORBIDDEN');
    const stats = expectOk(await viewer.exec(ops.PlacementStatisticsDocument)) as {
      statistics: { placementCount: number };
    };
    expect(stats.statistics.placementCount).toBeGreaterThan(0);
  });
});

describe('placement import', () => {
  it("imports placements by trainee id, with the mutation's rules per line", async () => {
    const w = await f.ministryWorld(t.em(), await t.ministry('KP2MI'));
    const csv = [
      'externalId,traineeId,destinationCountryCode,employerName,employerType,jobTitle,sector,scheme,departureDate,status',
      `PL-1,${f.gid(w.trainee)},KR,Daehan Metal,COMPANY,Welder,MANUFACTURING,G_TO_G_EPS_KOREA,2026-05-01,DEPARTED`,
      `PL-2,${f.gid(w.trainee)},SA,A household,INDIVIDUAL,Domestic worker,TOURISM,P_TO_P,,PLANNED`,
      `PL-3,${f.gid(w.institution)},JP,Chubu Seiki,COMPANY,Operator,MANUFACTURING,SSW_JAPAN,,PLANNED`,
      `PL-4,${f.gid(w.trainee)},JP,Chubu Seiki,COMPANY,Operator,MANUFACTURING,SSW_JAPAN,,DEPARTED`,
    ].join('\n');

    const r = expectOk(await kp2miEditor.exec(ops.ImportCsvDocument, { kind: 'PLACEMENTS', csv, mode: 'GOOD_ROWS_ONLY' })).importCsv;
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'destinationCountryCode'],
      [4, 'traineeId'],
      [5, 'departureDate'],
    ]);
    expect(r.created).toBe(1);
    expect(await t.em().findOneOrFail(Placement, { externalId: 'PL-1' })).toMatchObject({ destinationCountryCode: 'KR', status: 'DEPARTED' });
  });
});
