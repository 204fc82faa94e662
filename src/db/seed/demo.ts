/**
 * The small demo data set loaded into an empty database by `npm start`:
 * reference data, one VIEWER/EDITOR/ADMIN per ministry plus an auditor and a
 * platform admin, a handful of institutions, programmes, trainees, enrollments
 * and returnee businesses per ministry, and the MoUs of demo-data.md so that
 * sharing is visible from the first start. Deterministic (seeded).
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { hash as argon2Hash } from '@node-rs/argon2';
import { Role } from '../../access/roles';
import { Scope } from '../../access/scope';
import { Account } from '../../modules/account/account.entity';
import { DestinationCountry } from '../../modules/country/country.entity';
import { Enrollment } from '../../modules/enrollment/enrollment.entity';
import { Institution } from '../../modules/institution/institution.entity';
import { Ministry } from '../../modules/ministry/ministry.entity';
import { DataSharingClause, Mou, MouParty } from '../../modules/mou/mou.entity';
import { Program } from '../../modules/program/program.entity';
import { ReturneeBusiness } from '../../modules/returnee-business/returnee-business.entity';
import { formatNik } from '../../modules/trainee/nik';
import { Trainee } from '../../modules/trainee/trainee.entity';
import { EducationLevel, EnrollmentStatus, FinancingType, InstitutionType, MouStatus, ProgramStatus, ResourceType, Sector, Sex, TraineeStatus } from '../../shared/enums';
import { COUNTRIES, MINISTRIES } from './reference';
import { Random } from './random';

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

interface InstitutionSeed { type: InstitutionType; names: string[]; sectors: Sector[]; titles: [string, Sector, string[]][] }

/** What each ministry runs (domain.md), enough to look real in GraphiQL. */
const PORTFOLIO: Record<string, InstitutionSeed> = {
  KP2MI: { type: InstitutionType.TRAINING_CENTRE, names: ['Balai Pelatihan Calon PMI Jakarta'], sectors: [Sector.HEALTH], titles: [['Orientasi Pra Penempatan', Sector.BUSINESS_MANAGEMENT, ['JP', 'KR']]] },
  KESDM: {
    type: InstitutionType.WORK_UNIT,
    names: ['PPSDM Migas Cepu', 'PPSDM Geominerba Bandung', 'PPSDM KEBTKE', 'PPSDM Aparatur', 'Balai Diklat Tambang Bawah Tanah Sawahlunto', 'Politeknik Energi dan Mineral Akamigas', 'Politeknik Energi dan Pertambangan Bandung'],
    sectors: [Sector.ENERGY, Sector.MINING],
    titles: [['Pengelasan Pipa Migas', Sector.ENERGY, ['JP', 'DE']], ['Teknisi Kelistrikan', Sector.ENERGY, ['JP', 'KR']], ['Tambang Bawah Tanah', Sector.MINING, ['CA']]],
  },
  KEMENPERIN: {
    type: InstitutionType.TRAINING_CENTRE,
    names: ['BDI Denpasar', 'BDI Medan', 'BDI Makassar', 'Politeknik STMI Jakarta'],
    sectors: [Sector.MANUFACTURING, Sector.TOURISM],
    titles: [['Perhotelan', Sector.TOURISM, ['JP', 'TW']], ['Bahasa Jepang Kerja', Sector.BUSINESS_MANAGEMENT, ['JP']], ['Pengasuhan Lansia (Caregiver)', Sector.HEALTH, ['JP', 'TW']], ['Perkebunan', Sector.AGRICULTURE, ['NL']], ['Tata Boga', Sector.TOURISM, ['KR']]],
  },
  KEMENUMKM: { type: InstitutionType.TRAINING_CENTRE, names: ['Pusat Pelatihan Kewirausahaan UMKM'], sectors: [Sector.BUSINESS_MANAGEMENT], titles: [['Kewirausahaan Purna PMI', Sector.BUSINESS_MANAGEMENT, []]] },
  KEMNAKER: { type: InstitutionType.TRAINING_CENTRE, names: ['BBPVP Bekasi', 'BBPVP Serang', 'BPVP Lombok Timur'], sectors: [Sector.MANUFACTURING, Sector.CONSTRUCTION], titles: [['Pengelasan', Sector.MANUFACTURING, ['JP', 'KR']], ['Konstruksi Bangunan', Sector.CONSTRUCTION, ['JP']]] },
  KEMENKES: { type: InstitutionType.POLYTECHNIC, names: ['Poltekkes Kemenkes Jakarta I', 'Poltekkes Kemenkes Surabaya'], sectors: [Sector.HEALTH], titles: [['Perawat untuk Jerman (Triple Win)', Sector.HEALTH, ['DE']]] },
  KEMENPAR: { type: InstitutionType.POLYTECHNIC, names: ['Politeknik Pariwisata NHI Bandung', 'Politeknik Pariwisata Bali'], sectors: [Sector.TOURISM], titles: [['Hospitality Skills', Sector.TOURISM, ['JP', 'US']]] },
  KKP: { type: InstitutionType.POLYTECHNIC, names: ['Politeknik KP Sidoarjo', 'SUPM Tegal'], sectors: [Sector.FISHERIES], titles: [['Awak Kapal Perikanan', Sector.FISHERIES, ['KR', 'TW']]] },
  KEMENTAN: { type: InstitutionType.POLYTECHNIC, names: ['Polbangtan Bogor', 'BBPP Lembang'], sectors: [Sector.AGRICULTURE, Sector.LIVESTOCK], titles: [['Pertanian Modern', Sector.AGRICULTURE, ['JP']]] },
  KEMENDIKDASMEN: { type: InstitutionType.VOCATIONAL_SCHOOL, names: ['SMK Negeri 1 Malang', 'SMK Negeri 2 Semarang', 'SMK Negeri 1 Indramayu'], sectors: [Sector.ICT, Sector.TOURISM], titles: [['Kelas Migran Jepang', Sector.TOURISM, ['JP']]] },
  KEMDIKTISAINTEK: { type: InstitutionType.POLYTECHNIC, names: ['Politeknik Negeri Bandung'], sectors: [Sector.ICT, Sector.MANUFACTURING], titles: [['Teknik Mekatronika', Sector.MANUFACTURING, ['JP', 'DE']]] },
  KEMENHUB: { type: InstitutionType.ACADEMY, names: ['Politeknik Ilmu Pelayaran Semarang'], sectors: [Sector.TRANSPORT], titles: [['Pelaut (STCW)', Sector.TRANSPORT, ['NL', 'KR']]] },
  KEMENPU: { type: InstitutionType.TRAINING_CENTRE, names: ['Balai Jasa Konstruksi Wilayah Jawa'], sectors: [Sector.CONSTRUCTION], titles: [['Operator Alat Berat', Sector.CONSTRUCTION, ['JP']]] },
};

/** Origin provinces weighted like real origins: Jawa Timur, Jawa Tengah, Jawa Barat, NTB, Lampung lead. */
const ORIGIN: [string, number][] = [['35', 30], ['33', 25], ['32', 20], ['52', 10], ['18', 6], ['36', 3], ['51', 2], ['73', 2], ['12', 2]];
const FIRST = { [Sex.MALE]: ['Budi', 'Agus', 'Dedi', 'Rizki', 'Andi', 'Hendra', 'Joko', 'Wahyu'], [Sex.FEMALE]: ['Siti', 'Dewi', 'Sri', 'Rina', 'Nur', 'Lestari', 'Wulan', 'Ayu'] };
const LAST = ['Santoso', 'Wijaya', 'Lestari', 'Hidayat', 'Saputra', 'Rahmawati', 'Kusuma', 'Nugroho', 'Pratama', 'Wulandari'];

export interface DemoSummary { accounts: { email: string; role: Role; ministry: string | null }[]; password: string }

export async function seedDemo(orm: MikroORM, opts: { traineesPerMinistry?: number } = {}): Promise<DemoSummary> {
  await seedReference(orm);
  const em = systemEm(orm);
  const rnd = new Random(20251008);
  const ministries = new Map((await em.find(Ministry, {}, { orderBy: { code: 'asc' } })).map((m) => [m.code, m]));
  const passwordHash = await argon2Hash(DEMO_PASSWORD);
  const accounts: DemoSummary['accounts'] = [];
  for (const [code, ministry] of ministries) {
    for (const role of [Role.VIEWER, Role.EDITOR, Role.ADMIN]) {
      em.create(Account, { email: demoEmail(role, code), displayName: `${role[0]}${role.slice(1).toLowerCase()} ${code}`, passwordHash, role, ministry });
      accounts.push({ email: demoEmail(role, code), role, ministry: code });
    }
  }
  em.create(Account, { email: 'auditor@audit.demo', displayName: 'Inspektorat (auditor)', passwordHash, role: Role.AUDITOR, ministry: null });
  em.create(Account, { email: 'admin@platform.demo', displayName: 'Platform admin', passwordHash, role: Role.PLATFORM_ADMIN, ministry: null });
  accounts.push({ email: 'auditor@audit.demo', role: Role.AUDITOR, ministry: null }, { email: 'admin@platform.demo', role: Role.PLATFORM_ADMIN, ministry: null });

  const traineesOf = new Map<string, Trainee[]>();
  for (const [code, ministry] of ministries) {
    const seed = PORTFOLIO[code];
    if (!seed) continue;
    const programs: Program[] = [];
    for (const name of seed.names) {
      const provinceCode = rnd.weighted(ORIGIN);
      const institution = em.create(Institution, {
        ownerMinistry: ministry, name, type: name.startsWith('Politeknik') || name.startsWith('Poltekkes') || name.startsWith('Polbangtan') ? InstitutionType.POLYTECHNIC : seed.type,
        provinceCode, regency: null, address: null, annualCapacity: rnd.int(4, 60) * 20, sectors: seed.sectors,
        linkAndMatch: code !== 'KEMENPU' && code !== 'KEMENHUB', pmiPreparation: rnd.next() < 0.5 || code === 'KESDM', accreditation: null,
      });
      for (const [title, sector, countries] of seed.titles.slice(0, rnd.int(1, seed.titles.length))) {
        programs.push(em.create(Program, {
          ownerMinistry: ministry, institution, title, sector, targetCountryCodes: countries, capacityPerIntake: rnd.int(2, 8) * 10,
          startDate: '2025-11-03', endDate: '2026-04-30', status: ProgramStatus.RUNNING, competencyStandard: 'SKKNI', certificationScheme: 'BNSP',
          languageRequirement: countries.includes('JP') ? 'JFT-Basic A2' : countries.includes('KR') ? 'EPS-TOPIK' : countries.includes('DE') ? 'Goethe B1' : null,
        }));
      }
    }
    const trainees: Trainee[] = [];
    const n = code === 'KP2MI' ? (opts.traineesPerMinistry ?? 8) * 2 : (opts.traineesPerMinistry ?? 8);
    for (let i = 0; i < n; i++) {
      const sex = rnd.next() < 0.66 ? Sex.FEMALE : Sex.MALE;
      const birthDate = `${rnd.int(1985, 2005)}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`;
      const provinceCode = rnd.weighted(ORIGIN);
      const nik = formatNik({ provinceCode, regencyCode: String(rnd.int(1, 30)).padStart(2, '0'), districtCode: String(rnd.int(1, 20)).padStart(2, '0'), birthDate, sex, serial: rnd.int(1, 9999) });
      const fullName = `${rnd.pick(FIRST[sex])} ${rnd.pick(LAST)}`;
      trainees.push(em.create(Trainee, {
        ownerMinistry: ministry, nik, fullName, sex, birthDate, originProvinceCode: provinceCode, originRegency: null,
        phone: `+62 81${rnd.int(10000000, 99999999)}`, email: `${fullName.toLowerCase().replace(/ /g, '.')}${i}@mail.example`, address: `Desa ${rnd.pick(LAST)}, RT 0${rnd.int(1, 9)}`,
        educationLevel: rnd.pick([EducationLevel.SMA, EducationLevel.SMK, EducationLevel.D3]), status: TraineeStatus.IN_TRAINING,
      }));
    }
    traineesOf.set(code, trainees);
    trainees.forEach((trainee, i) => {
      if (programs.length === 0) return;
      em.create(Enrollment, { ownerMinistry: ministry, trainee, program: programs[i % programs.length], status: EnrollmentStatus.ENROLLED, enrolledOn: '2025-11-03' });
    });
  }

  const umkm = ministries.get('KEMENUMKM')!;
  for (let i = 0; i < 6; i++) {
    const sex = rnd.next() < 0.7 ? Sex.FEMALE : Sex.MALE;
    const birthDate = `${rnd.int(1975, 1995)}-0${rnd.int(1, 9)}-1${rnd.int(0, 9)}`;
    const provinceCode = rnd.weighted(ORIGIN);
    em.create(ReturneeBusiness, {
      ownerMinistry: umkm, returneeName: `${rnd.pick(FIRST[sex])} ${rnd.pick(LAST)}`,
      returneeNik: formatNik({ provinceCode, regencyCode: '0' + rnd.int(1, 9), districtCode: '0' + rnd.int(1, 9), birthDate, sex, serial: rnd.int(1, 9999) }),
      returneePhone: `+62 85${rnd.int(10000000, 99999999)}`, trainee: null, businessName: rnd.pick(['Warung Makan', 'Kopi', 'Konveksi', 'Toko Kelontong', 'Katering']) + ` ${rnd.pick(LAST)}`,
      kbliCode: rnd.pick(['56101', '47111', '14111', '10792', '56210']), villageCode: `${provinceCode}0${rnd.int(1, 9)}0${rnd.int(1, 9)}200${rnd.int(1, 9)}`, provinceCode,
      foundedOn: `202${rnd.int(2, 5)}-0${rnd.int(1, 9)}-01`, employees: rnd.int(1, 8), financingType: rnd.pick([FinancingType.KUR, FinancingType.KUR, FinancingType.SELF_FUNDED, FinancingType.COOPERATIVE]),
      financingAmount: rnd.int(1, 50) * 5_000_000, mentoringSessions: rnd.int(0, 12),
    });
  }

  seedMous(em, ministries);
  await em.flush();
  return { accounts, password: DEMO_PASSWORD };
}

/** The MoUs of demo-data.md: four in force, one draft, one expired pilot. */
function seedMous(em: EntityManager, ministries: Map<string, Ministry>) {
  const kp2mi = ministries.get('KP2MI')!;
  const all = [ResourceType.INSTITUTION, ResourceType.PROGRAM, ResourceType.ENROLLMENT];
  const mou = (partner: string, title: string, signedOn: string | null, validFrom: string, validUntil: string, status: MouStatus, followUpDueDate: string | null = null) => {
    const p = ministries.get(partner)!;
    const m = em.create(Mou, {
      ownerMinistry: kp2mi, title, scope: title, recordedStatus: status, validFrom, validUntil, followUpDueDate,
      documentHash: null, partyMinistryIds: [kp2mi.id, p.id], documentNumber: null,
    });
    for (const ministry of [kp2mi, p]) em.create(MouParty, { mou: m, ministry, signedAt: signedOn ? new Date(`${signedOn}T10:00:00+07:00`) : null, signatoryName: signedOn ? `Menteri (${ministry.code})` : null, signatoryTitle: signedOn ? 'Menteri' : null });
    em.create(DataSharingClause, { mou: m, providerMinistry: p, recipientMinistry: kp2mi, resourceTypes: all, includesPersonalData: false, purpose: 'Monitoring vocational preparation of calon PMI (Perpres 39/2019, Satu Data Indonesia)' });
    em.create(DataSharingClause, { mou: m, providerMinistry: p, recipientMinistry: kp2mi, resourceTypes: [ResourceType.TRAINEE], includesPersonalData: true, purpose: 'Protection of calon PMI under UU 18/2017' });
    em.create(DataSharingClause, { mou: m, providerMinistry: kp2mi, recipientMinistry: p, resourceTypes: [ResourceType.TRAINEE], includesPersonalData: false, purpose: 'Matching registered calon PMI with training places' });
    return m;
  };
  mou('KESDM', 'Nota Kesepahaman KP2MI–KESDM: penyiapan calon PMI sektor energi dan sumber daya mineral', '2025-10-08', '2025-10-08', '2030-10-08', MouStatus.ACTIVE, '2026-04-08');
  mou('KEMENPERIN', 'Nota Kesepahaman KP2MI–Kemenperin: pelatihan vokasi industri bagi calon PMI', '2025-10-08', '2025-10-08', '2030-10-08', MouStatus.ACTIVE);
  const umkm = mou('KEMENUMKM', 'Nota Kesepahaman KP2MI–Kementerian UMKM: kewirausahaan purna PMI', '2025-10-08', '2025-10-08', '2030-10-08', MouStatus.ACTIVE);
  em.create(DataSharingClause, { mou: umkm, providerMinistry: ministries.get('KEMENUMKM')!, recipientMinistry: kp2mi, resourceTypes: [ResourceType.RETURNEE_BUSINESS], includesPersonalData: true, purpose: 'Post-placement protection and reintegration of purna PMI under UU 18/2017' });
  mou('KEMENPAR', 'Nota Kesepahaman KP2MI–Kemenpar: pelatihan keterampilan perhotelan', '2025-07-14', '2025-07-14', '2030-07-14', MouStatus.ACTIVE);
  mou('KEMNAKER', 'Rancangan Nota Kesepahaman KP2MI–Kemnaker: BLK untuk calon PMI', null, '2026-01-01', '2031-01-01', MouStatus.DRAFT);
  mou('KEMENKES', 'Nota Kesepahaman KP2MI (BP2MI)–Kemenkes: pilot perawat migran 2021–2024', '2021-03-01', '2021-03-01', '2024-03-01', MouStatus.ACTIVE);
}
