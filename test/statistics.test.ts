/**
 * The demo data reproduces the public figures of 8 October 2025
 * (demo-data.md) through the statistics API: exactly, for an auditor; for a
 * ministry only its share (plus what MoUs share with it), and the partners'
 * shares add up to the total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { seedDemo } from '../src/seed/demo';
import { ALLOCATION, apportion, ESDM_UNITS, FIGURES } from '../src/seed/programme';
import { RESOURCES } from '../src/modules';
import * as ops from './generated/graphql';
import { Role, startTestApp, type TestApp } from './support/test-app';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';

const BREAKDOWN_NAMES = RESOURCES.flatMap((r) => Object.keys(r.statistics?.breakdowns ?? {}));
let t: TestApp;
const TOTALS = ops.StatisticsTotalsDocument;

beforeAll(async () => {
  t = await startTestApp();
  await seedDemo(t.adminOrm);
}, 120_000);
afterAll(() => t.close());

describe('apportion', () => {
  it('splits a total exactly, every share at least 1', () => {
    const parts = apportion([5, 1, 1, 3], 1001);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1001);
    expect(Math.min(...parts)).toBeGreaterThanOrEqual(1);
    expect(ALLOCATION.reduce((s, a) => s + a.count, 0)).toBe(FIGURES.institutions);
    expect(ALLOCATION.reduce((s, a) => s + a.pmi, 0)).toBe(FIGURES.pmiInstitutions);
  });
});

describe('statistics', () => {
  it('as the auditor: exactly the public figures', async () => {
    const s = expectOk(await (await t.as(Role.AUDITOR, null)).exec(TOTALS)).statistics;
    expect(s).toMatchObject({
      institutionCount: 37_000,
      totalCapacity: 8_250_600,
      pmiPreparationInstitutionCount: 360,
      pmiPreparationCapacity: 298_151,
      linkAndMatchMinistryCount: 10,
      institutionMinistryCount: 12,
    });
    const esdm = s.institutionsByMinistry.find((b) => b.label.startsWith('KESDM'));
    expect(esdm?.count).toBe(ESDM_UNITS.length);
    expect(s.institutionsByMinistry.reduce((n, b) => n + b.count, 0)).toBe(37_000);
    expect(s.institutionsByMinistry.reduce((n, b) => n + (b.capacity ?? 0), 0)).toBe(8_250_600);
    const perin = s.participantsInTrainingByMinistry.find((b) => b.label.startsWith('KEMENPERIN'));
    expect(perin?.count).toBe(320);
    expect(s.programsByDestination.map((b) => b.key)).toEqual(expect.arrayContaining(['JP', 'KR', 'TW', 'DE', 'NL', 'CO', 'CA', 'US']));
    expect(s.programsByDestination.map((b) => b.key)).not.toContain('SA');
    expect(s.institutionsByType[0].label).toBe('Vocational school');
  });

  it('demo placements: recorded by KP2MI for trainees of focus-destination programmes, some departed, some planned', async () => {
    const q = ops.PlacementStatisticsDocument;
    const s = expectOk(await (await t.as(Role.AUDITOR, null)).exec(q)).statistics;
    expect(s.placementCount).toBeGreaterThan(50);
    expect(s.placementsByDestination.map((b) => b.key).every((k) => ['JP', 'KR', 'TW', 'DE', 'NL', 'CO', 'CA', 'US'].includes(k))).toBe(true);
    expect(s.placementsByDestination.find((b) => b.key === 'JP')?.label).toBe('Japan');
    expect(s.placementsByStatus.map((b) => b.key).sort()).toEqual(['DEPARTED', 'PLANNED']);
    expect(s.placementsDeparted).toBe(s.placementsByStatus.find((b) => b.key === 'DEPARTED')?.count);
    // KP2MI owns them all; Kemenperin sees those KP2MI shares back under its MoU's PLACEMENT clause.
    const kp2mi = expectOk(await (await t.as(Role.VIEWER, 'KP2MI')).exec(q)).statistics;
    expect(kp2mi.placementCount).toBe(s.placementCount);
    const perin = expectOk(await (await t.as(Role.VIEWER, 'KEMENPERIN')).exec(q)).statistics;
    expect(perin.placementCount).toBe(s.placementCount);
    const kemnaker = expectOk(await (await t.as(Role.VIEWER, 'KEMNAKER')).exec(q)).statistics;
    expect(kemnaker.placementCount).toBe(0);
  });

  it('as each partner ministry: only its own share, and the shares add up to the total', async () => {
    let institutions = 0;
    let capacity = 0;
    for (const a of ALLOCATION) {
      const s = expectOk(await (await t.as(Role.VIEWER, a.code)).exec(TOTALS)).statistics;
      expect(s.institutionCount, a.code).toBe(a.count);
      expect(
        s.institutionsByMinistry.map((b) => b.label.split(' ')[0]),
        a.code,
      ).toEqual([a.code]);
      institutions += s.institutionCount;
      capacity += s.totalCapacity;
    }
    expect(institutions).toBe(37_000);
    expect(capacity).toBe(8_250_600);
  });

  it('as KP2MI: what the four MoUs in force share with it, nothing of Kemnaker (draft) or Kemenkes (expired)', async () => {
    const s = expectOk(await (await t.as(Role.VIEWER, 'KP2MI')).exec(TOTALS)).statistics;
    const codes = s.institutionsByMinistry.map((b) => b.label.split(' ')[0]).sort();
    expect(codes).toEqual(['KEMENPAR', 'KEMENPERIN', 'KEMENUMKM', 'KESDM']);
    const expected = ALLOCATION.filter((a) => codes.includes(a.code)).reduce((n, a) => n + a.count, 0);
    expect(s.institutionCount).toBe(expected);
  });

  it('every breakdown computes, and PLATFORM_ADMIN and anonymous callers get none', async () => {
    // Built from the declarations: every breakdown there is, whatever a typed document lists. A row of every
    // declared resource besides the demo data's, so that a resource the demo data does not fill is counted too.
    await f.ministryWorld(t.em(), await t.ministry('KP2MI'));
    const all = `{ statistics { traineeCount programCount returneeBusinessCount returneeFinancingTotal ${BREAKDOWN_NAMES.map((n) => `${n} { key label count capacity }`).join(' ')} } }`;
    const s = expectOk(await (await t.as(Role.AUDITOR, null)).raw(all)).statistics;
    for (const n of BREAKDOWN_NAMES) expect(s[n].length, n).toBeGreaterThan(0);
    expect(s.returneeBusinessesByFinancing.map((b: { key: string }) => b.key)).toContain('KUR');
    expectError(await (await t.as(Role.PLATFORM_ADMIN, null)).raw(all), 'FORBIDDEN');
    expectError(await t.anonymous().raw(all), 'UNAUTHENTICATED');
  });

  it('computes all selected parts in one statement', async () => {
    const res = await (await t.as(Role.AUDITOR, null)).exec(TOTALS);
    expect(res.sql.filter((q) => q.includes('sinergi_statistics'))).toHaveLength(1);
  });
});

describe('the demo MoUs carry real history', () => {
  const HISTORY = ops.DemoMouHistoryDocument;

  it("drafted, signed by each party's ADMIN and activated on the dates of demo-data.md; in force on 2025-12-01", async () => {
    const auditor = await t.as(Role.AUDITOR, null);
    type V = { number: number; event: string; createdAt: string; actorMinistry: { code: string } | null; snapshot: { status: string; signedBy: string[] } };
    const mous = (
      expectOk(await auditor.exec(HISTORY)) as {
        mous: { edges: { node: { title: string; status: string; validFrom: string; versions: V[]; onDec: unknown[]; onPilot: unknown[] } }[] };
      }
    ).mous.edges.map((e) => e.node);
    const signed = mous.filter((m) => m.validFrom === '2025-10-08');
    expect(signed).toHaveLength(3);
    for (const m of [...signed, mous.find((x) => x.validFrom === '2025-07-14')!]) {
      expect(m.status).toBe('ACTIVE');
      expect(
        m.versions.map((v) => v.event),
        m.title,
      ).toEqual(['CREATED', 'SIGNED', 'SIGNED', 'ACTIVATED']);
      expect(m.versions.map((v) => v.actorMinistry?.code)[0]).toBe('KP2MI');
      expect(new Set(m.versions.slice(1, 3).map((v) => v.actorMinistry?.code)).size).toBe(2);
      expect(m.versions.at(-1)!.snapshot).toMatchObject({ status: 'ACTIVE' });
      expect(m.versions.at(-1)!.snapshot.signedBy).toHaveLength(2);
      expect(m.onDec.length, m.title).toBeGreaterThanOrEqual(3);
    }
    for (const m of signed) expect(m.versions[1].createdAt.slice(0, 10)).toBe('2025-10-08');
    const draft = mous.find((m) => m.status === 'DRAFT')!;
    expect(draft.versions.map((v) => v.event)).toEqual(['CREATED']);
    expect(draft.onDec).toEqual([]);
    const pilot = mous.find((m) => m.status === 'EXPIRED')!;
    expect(pilot.onDec).toEqual([]);
    expect(pilot.onPilot.length).toBeGreaterThan(0);
  });
});

describe('the demo data respects capacity', () => {
  it('no programme has more applicants and participants than its capacity per intake', async () => {
    const [row] = await t.em().execute(`select count(*)::int as over from program p
      where (select count(*) from enrollment e where e.program_id = p.id and e.status in ('APPLIED', 'ENROLLED')) > p.capacity_per_intake`);
    expect(row.over).toBe(0);
  });
});
