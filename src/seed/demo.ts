/**
 * The demo data loaded into an empty database by `npm start`: reference data,
 * one VIEWER/EDITOR/ADMIN per ministry plus an auditor and a platform admin,
 * the MoUs of demo-data.md so that sharing is visible from the first start, and
 * the programme itself (programme.ts) with the exact public figures.
 * Deterministic (seeded).
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { hash as argon2Hash } from '@node-rs/argon2';
import { Role, STAFF_ROLES } from '../access/roles';
import { Scope } from '../access/scope';
import { Account } from '../modules/account/account.entity';
import { DestinationCountry } from '../modules/country/country.entity';
import { Ministry } from '../data/ministry.entity';
import { DataSharingClause, Mou, MouParty } from '../modules/mou/mou.entity';
import { MouEvent, MouVersion, mouSnapshot } from '../modules/mou/mou-version.entity';
import { MouStatus, ResourceType } from '../shared/enums';
import { SCALES, seedProgramme, type Progress } from './programme';
import { COUNTRIES, MINISTRIES } from './reference';
import { present } from '../shared/present';

export const DEMO_PASSWORD = 'sinergi-demo-2025';
export const DEMO_EMAIL_DOMAIN = '.demo';

/** A system-scoped fork: seeding is the platform's own work, not a request. */
export function systemEm(orm: MikroORM): EntityManager {
  const em = orm.em.fork({ clear: true }) as EntityManager;
  em.setFilterParams('scope', { scope: Scope.system() });
  return em;
}

/** Inserts ministries and destination countries that are missing. Idempotent. */
export async function seedReference(orm: MikroORM): Promise<void> {
  const em = systemEm(orm);
  const haveM = new Set((await em.find(Ministry, {})).map((m) => m.code));
  for (const m of MINISTRIES) if (!haveM.has(m.code)) em.create(Ministry, { ...m });
  const haveC = new Set((await em.find(DestinationCountry, {})).map((c) => c.code));
  for (const c of COUNTRIES) if (!haveC.has(c.code)) em.create(DestinationCountry, { ...c });
  await em.flush();
}

export const demoEmail = (role: Role, code: string) => `${role.toLowerCase()}@${code.toLowerCase()}${DEMO_EMAIL_DOMAIN}`;

export interface DemoSummary {
  accounts: { email: string; role: Role; ministry: string | null }[];
  password: string;
}

export async function seedDemo(orm: MikroORM, opts: { scale?: keyof typeof SCALES; progress?: Progress } = {}): Promise<DemoSummary> {
  await seedReference(orm);
  const em = systemEm(orm);
  const ministries = new Map((await em.find(Ministry, {}, { orderBy: { code: 'asc' } })).map((m) => [m.code, m]));
  const passwordHash = await argon2Hash(DEMO_PASSWORD);
  const accounts: DemoSummary['accounts'] = [];
  const admins = new Map<string, Account>();
  let kp2miEditor: Account | undefined;
  for (const [code, ministry] of ministries) {
    for (const role of STAFF_ROLES) {
      const account = em.create(Account, {
        email: demoEmail(role, code),
        displayName: `${role[0]}${role.slice(1).toLowerCase()} ${code}`,
        passwordHash,
        role,
        ministry,
      });
      if (role === Role.ADMIN) admins.set(code, account);
      if (role === Role.EDITOR && code === 'KP2MI') kp2miEditor = account;
      accounts.push({ email: demoEmail(role, code), role, ministry: code });
    }
  }
  em.create(Account, { email: 'auditor@audit.demo', displayName: 'Inspektorat (auditor)', passwordHash, role: Role.AUDITOR, ministry: null });
  em.create(Account, { email: 'admin@platform.demo', displayName: 'Platform admin', passwordHash, role: Role.PLATFORM_ADMIN, ministry: null });
  accounts.push(
    { email: 'auditor@audit.demo', role: Role.AUDITOR, ministry: null },
    { email: 'admin@platform.demo', role: Role.PLATFORM_ADMIN, ministry: null },
  );

  seedMous(em, ministries, admins, present(kp2miEditor, 'the KP2MI editor'));
  await em.flush();
  await seedProgramme(em, ministries, SCALES[opts.scale ?? 'demo'], opts.progress);
  return { accounts, password: DEMO_PASSWORD };
}

/**
 * The MoUs of demo-data.md: four in force, one draft, one expired pilot. Each
 * carries the history it would have had through the API: drafted by KP2MI's
 * EDITOR a month before signing, signed by each party's ADMIN, then ACTIVE,
 * so `versions` and `clausesInForceOn` answer as for any MoU.
 */
function seedMous(em: EntityManager, ministries: Map<string, Ministry>, admins: Map<string, Account>, kp2miEditor: Account) {
  const kp2mi = present(ministries.get('KP2MI'), 'seeded ministries entry');
  const all = [ResourceType.INSTITUTION, ResourceType.PROGRAM, ResourceType.ENROLLMENT];
  const mou = (
    partner: string,
    title: string,
    signedOn: string | null,
    validFrom: string,
    validUntil: string,
    status: MouStatus,
    followUpDueDate: string | null = null,
    extra?: (m: Mou, p: Ministry) => void,
  ) => {
    const p = present(ministries.get(partner), 'seeded ministries entry');
    const m = em.create(Mou, {
      ownerMinistry: kp2mi,
      title,
      scope: title,
      recordedStatus: status,
      validFrom,
      validUntil,
      followUpDueDate,
      documentHash: null,
      partyMinistryIds: [kp2mi.id, p.id],
      documentNumber: null,
    });
    for (const ministry of [kp2mi, p])
      em.create(MouParty, {
        mou: m,
        ministry,
        signedAt: signedOn ? new Date(`${signedOn}T10:00:00+07:00`) : null,
        signatoryName: signedOn ? `Menteri (${ministry.code})` : null,
        signatoryTitle: signedOn ? 'Menteri' : null,
      });
    em.create(DataSharingClause, {
      mou: m,
      providerMinistry: p,
      recipientMinistry: kp2mi,
      resourceTypes: all,
      includesPersonalData: false,
      purpose: 'Monitoring vocational preparation of calon PMI (Perpres 39/2019, Satu Data Indonesia)',
    });
    em.create(DataSharingClause, {
      mou: m,
      providerMinistry: p,
      recipientMinistry: kp2mi,
      resourceTypes: [ResourceType.TRAINEE],
      includesPersonalData: true,
      purpose: 'Protection of calon PMI under UU 18/2017',
    });
    em.create(DataSharingClause, {
      mou: m,
      providerMinistry: kp2mi,
      recipientMinistry: p,
      resourceTypes: [ResourceType.TRAINEE, ResourceType.PLACEMENT],
      includesPersonalData: false,
      purpose: 'Matching registered calon PMI with training places, and tracing where they were placed',
    });
    if (extra) extra(m, p);
    const clauses = m.clauses.getItems();
    const parties = [kp2mi.id, p.id];
    const at = (day: string, time: string) => new Date(`${day}T${time}+07:00`);
    const drafted = signedOn ? new Date(at(signedOn, '09:00:00').getTime() - 30 * 86_400_000) : at('2025-11-20', '09:00:00');
    const events: [MouEvent, Date, Account, MouStatus, string[]][] = [[MouEvent.CREATED, drafted, kp2miEditor, MouStatus.DRAFT, []]];
    if (signedOn) {
      events.push(
        [MouEvent.SIGNED, at(signedOn, '10:00:00'), present(admins.get('KP2MI'), 'seeded admins entry'), MouStatus.DRAFT, [kp2mi.id]],
        [MouEvent.SIGNED, at(signedOn, '10:00:01'), present(admins.get(partner), 'seeded admins entry'), MouStatus.DRAFT, parties],
        [MouEvent.ACTIVATED, at(signedOn, '10:00:01'), present(admins.get(partner), 'seeded admins entry'), MouStatus.ACTIVE, parties],
      );
    }
    events.forEach(([event, createdAt, actor, state, signedBy], i) =>
      em.create(MouVersion, {
        mou: m,
        number: i + 1,
        event,
        snapshot: mouSnapshot(m, state, parties, signedBy, clauses),
        actorAccountId: actor.id,
        actorMinistry: actor.ministry,
        createdAt,
      }),
    );
    return m;
  };
  mou(
    'KESDM',
    'Nota Kesepahaman KP2MI–KESDM: penyiapan calon PMI sektor energi dan sumber daya mineral',
    '2025-10-08',
    '2025-10-08',
    '2030-10-08',
    MouStatus.ACTIVE,
    '2026-04-08',
  );
  mou('KEMENPERIN', 'Nota Kesepahaman KP2MI–Kemenperin: pelatihan vokasi industri bagi calon PMI', '2025-10-08', '2025-10-08', '2030-10-08', MouStatus.ACTIVE);
  mou(
    'KEMENUMKM',
    'Nota Kesepahaman KP2MI–Kementerian UMKM: kewirausahaan purna PMI',
    '2025-10-08',
    '2025-10-08',
    '2030-10-08',
    MouStatus.ACTIVE,
    null,
    (m, p) =>
      em.create(DataSharingClause, {
        mou: m,
        providerMinistry: p,
        recipientMinistry: kp2mi,
        resourceTypes: [ResourceType.RETURNEE_BUSINESS],
        includesPersonalData: true,
        purpose: 'Post-placement protection and reintegration of purna PMI under UU 18/2017',
      }),
  );
  mou('KEMENPAR', 'Nota Kesepahaman KP2MI–Kemenpar: pelatihan keterampilan perhotelan', '2025-07-14', '2025-07-14', '2030-07-14', MouStatus.ACTIVE);
  mou('KEMNAKER', 'Rancangan Nota Kesepahaman KP2MI–Kemnaker: BLK untuk calon PMI', null, '2026-01-01', '2031-01-01', MouStatus.DRAFT);
  mou('KEMENKES', 'Nota Kesepahaman KP2MI (BP2MI)–Kemenkes: pilot perawat migran 2021–2024', '2021-03-01', '2021-03-01', '2024-03-01', MouStatus.ACTIVE);
}
