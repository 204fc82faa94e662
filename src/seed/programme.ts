/**
 * The programme as announced in Jakarta on 8 October 2025, generated: the
 * exact public figures of demo-data.md, everything else plausible and
 * deterministic (seeded). The choices are written down in README.md beside
 * this file. Inserted in bulk as the owner (the platform's own work).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { EducationLevel, EnrollmentStatus, FinancingType, InstitutionType, ProgramStatus, Sector, Sex, TraineeStatus } from '../shared/enums';
import { formatNik } from '../modules/trainee/nik';
import { PROVINCES } from '../shared/regions';
import { BulkLoader } from './bulk-insert';
import { Random } from './random';
import { present } from '../shared/present';

/** Exact figures (demo-data.md). */
export const FIGURES = {
  institutions: 37_000,
  capacity: 8_250_600,
  pmiInstitutions: 360,
  pmiCapacity: 298_151,
  linkAndMatchMinistries: 10,
  esdmUnits: 7,
  kemenperinInTraining: 320,
} as const;

interface Allocation {
  code: string;
  count: number;
  pmi: number;
  types: [InstitutionType, number][];
  sectors: Sector[];
  cap: [number, number];
  prefix: string;
}

/** Institutions per ministry: SMK under Kemendikdasmen are the largest group, ESDM has exactly its 7 units. */
export const ALLOCATION: Allocation[] = [
  {
    code: 'KEMENDIKDASMEN',
    count: 14_000,
    pmi: 110,
    types: [[InstitutionType.VOCATIONAL_SCHOOL, 1]],
    sectors: [Sector.ICT, Sector.TOURISM, Sector.MANUFACTURING, Sector.AGRICULTURE, Sector.HEALTH, Sector.CREATIVE_ECONOMY],
    cap: [120, 420],
    prefix: 'SMK Negeri',
  },
  {
    code: 'KEMNAKER',
    count: 12_500,
    pmi: 140,
    types: [
      [InstitutionType.PRIVATE_COURSE, 0.7],
      [InstitutionType.COMMUNITY_TRAINING_CENTRE, 0.25],
      [InstitutionType.TRAINING_CENTRE, 0.05],
    ],
    sectors: [Sector.MANUFACTURING, Sector.CONSTRUCTION, Sector.HEALTH, Sector.TOURISM, Sector.ICT],
    cap: [40, 260],
    prefix: 'BLK',
  },
  {
    code: 'KEMDIKTISAINTEK',
    count: 2_500,
    pmi: 20,
    types: [[InstitutionType.POLYTECHNIC, 1]],
    sectors: [Sector.ICT, Sector.MANUFACTURING, Sector.ENERGY, Sector.BUSINESS_MANAGEMENT],
    cap: [150, 420],
    prefix: 'Politeknik',
  },
  {
    code: 'KEMENUMKM',
    count: 2_293,
    pmi: 10,
    types: [[InstitutionType.TRAINING_CENTRE, 1]],
    sectors: [Sector.BUSINESS_MANAGEMENT, Sector.CREATIVE_ECONOMY],
    cap: [30, 200],
    prefix: 'Pusat Pelatihan UMKM',
  },
  {
    code: 'KEMENPERIN',
    count: 1_200,
    pmi: 25,
    types: [
      [InstitutionType.TRAINING_CENTRE, 0.5],
      [InstitutionType.POLYTECHNIC, 0.2],
      [InstitutionType.VOCATIONAL_SCHOOL, 0.3],
    ],
    sectors: [Sector.MANUFACTURING, Sector.TOURISM, Sector.HEALTH, Sector.AGRICULTURE],
    cap: [100, 400],
    prefix: 'BDI',
  },
  {
    code: 'KEMENKES',
    count: 1_100,
    pmi: 20,
    types: [
      [InstitutionType.POLYTECHNIC, 0.4],
      [InstitutionType.TRAINING_CENTRE, 0.6],
    ],
    sectors: [Sector.HEALTH],
    cap: [80, 400],
    prefix: 'Poltekkes',
  },
  {
    code: 'KEMENTAN',
    count: 900,
    pmi: 8,
    types: [
      [InstitutionType.POLYTECHNIC, 0.3],
      [InstitutionType.TRAINING_CENTRE, 0.7],
    ],
    sectors: [Sector.AGRICULTURE, Sector.LIVESTOCK],
    cap: [60, 300],
    prefix: 'BBPP',
  },
  { code: 'KEMENHUB', count: 750, pmi: 6, types: [[InstitutionType.ACADEMY, 1]], sectors: [Sector.TRANSPORT], cap: [100, 380], prefix: 'Politeknik Pelayaran' },
  {
    code: 'KEMENPAR',
    count: 700,
    pmi: 10,
    types: [
      [InstitutionType.POLYTECHNIC, 0.3],
      [InstitutionType.TRAINING_CENTRE, 0.7],
    ],
    sectors: [Sector.TOURISM, Sector.CREATIVE_ECONOMY],
    cap: [60, 320],
    prefix: 'Politeknik Pariwisata',
  },
  {
    code: 'KEMENPU',
    count: 600,
    pmi: 4,
    types: [[InstitutionType.TRAINING_CENTRE, 1]],
    sectors: [Sector.CONSTRUCTION],
    cap: [50, 250],
    prefix: 'Balai Jasa Konstruksi',
  },
  {
    code: 'KKP',
    count: 450,
    pmi: 0,
    types: [
      [InstitutionType.POLYTECHNIC, 0.3],
      [InstitutionType.VOCATIONAL_SCHOOL, 0.7],
    ],
    sectors: [Sector.FISHERIES],
    cap: [60, 300],
    prefix: 'SUPM',
  },
  { code: 'KESDM', count: 7, pmi: 7, types: [[InstitutionType.WORK_UNIT, 1]], sectors: [Sector.ENERGY, Sector.MINING], cap: [400, 1500], prefix: 'PPSDM' },
];

/** The seven ESDM vocational work units named at the signing. */
export const ESDM_UNITS = [
  'PPSDM Minyak dan Gas Bumi (Migas) Cepu',
  'PPSDM Geologi, Mineral dan Batubara (Geominerba) Bandung',
  'PPSDM Ketenagalistrikan',
  'PPSDM Energi Baru dan Terbarukan',
  'PPSDM Konservasi Energi',
  'Balai Diklat Aparatur Tambang Bawah Tanah',
  'PPSDM Proyek Rekayasa Energi',
];

/** Ministries whose institution data is not (yet) marked link-and-match: 10 of 12 are. */
const NOT_LINK_AND_MATCH = new Set(['KEMENHUB', 'KEMENPU']);

/** Institutions by province, weighted roughly by population. */
const PROVINCE_WEIGHT: [string, number][] = Object.keys(PROVINCES).map((c) => [
  c,
  { '32': 18, '35': 15, '33': 13, '36': 5, '31': 4, '12': 5, '73': 3, '16': 3, '18': 3, '52': 2, '51': 2 }[c] ?? 1,
]);
/** Origin provinces of calon PMI: Jawa Timur, Jawa Tengah, Jawa Barat, NTB, Lampung lead. */
export const ORIGIN_WEIGHT: [string, number][] = [
  ['35', 30],
  ['33', 25],
  ['32', 20],
  ['52', 10],
  ['18', 6],
  ['36', 3],
  ['51', 2],
  ['73', 2],
  ['12', 2],
];
const FOCUS = ['JP', 'KR', 'TW', 'DE', 'NL', 'CO', 'CA', 'US'];
const LANGUAGE: Record<string, string> = {
  JP: 'JFT-Basic A2 / JLPT N4',
  KR: 'EPS-TOPIK',
  DE: 'Goethe B1',
  TW: 'Mandarin dasar',
  NL: 'Bahasa Inggris B1',
  CA: 'IELTS 5.0',
  US: 'IELTS 5.0',
  CO: 'Bahasa Spanyol A2',
};
const FIRST = {
  [Sex.MALE]: ['Budi', 'Agus', 'Dedi', 'Rizki', 'Andi', 'Hendra', 'Joko', 'Wahyu', 'Eko', 'Fajar'],
  [Sex.FEMALE]: ['Siti', 'Dewi', 'Sri', 'Rina', 'Nur', 'Lestari', 'Wulan', 'Ayu', 'Fitri', 'Indah'],
};
const LAST = ['Santoso', 'Wijaya', 'Hidayat', 'Saputra', 'Rahmawati', 'Kusuma', 'Nugroho', 'Pratama', 'Wulandari', 'Setiawan', 'Lestari', 'Purnomo'];
/** Kemenperin's 320 participants in training, by programme (demo-data.md names the fields). */
const KEMENPERIN_TRAINING: [string, Sector, string[], number][] = [
  ['Perhotelan (hospitality)', Sector.TOURISM, ['JP', 'TW'], 96],
  ['Bahasa Jepang dan Korea untuk Kerja', Sector.BUSINESS_MANAGEMENT, ['JP', 'KR'], 64],
  ['Pengasuhan Lansia (caregiving)', Sector.HEALTH, ['JP', 'DE'], 72],
  ['Perkebunan (plantation)', Sector.AGRICULTURE, ['NL', 'TW'], 48],
  ['Tata Boga (culinary)', Sector.TOURISM, ['KR', 'US'], 40],
];

export interface Scale {
  traineesPerMinistry: number;
  kp2miTrainees: number;
  programsPerInstitution: number;
  returneeBusinesses: number;
}
export const SCALES: Record<'demo' | 'bench' | 'bench10', Scale> = {
  demo: { traineesPerMinistry: 40, kp2miTrainees: 400, programsPerInstitution: 1, returneeBusinesses: 200 },
  /** About 300,000 trainees with ~400,000 enrollments, 3 programmes per institution (performance.md). */
  bench: { traineesPerMinistry: 23_000, kp2miTrainees: 24_000, programsPerInstitution: 3, returneeBusinesses: 5_000 },
  /** Ten times the bench's people (3.2 million trainees): cost must follow the page, not the table. Institutions and programmes are the programme's own. */
  bench10: { traineesPerMinistry: 230_000, kp2miTrainees: 240_000, programsPerInstitution: 3, returneeBusinesses: 50_000 },
};

/** Splits `total` over `weights` in whole numbers, each at least 1, summing exactly to `total`. */
export function apportion(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => 1 + (w / sum) * (total - weights.length));
  const out = raw.map(Math.floor);
  let rest = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) out[order[k][1]]++;
  return out;
}

/** Trainees generated for ministry `a` (Kemenperin's 320 in training come on top). */
function traineesOf(scale: Scale, a: Allocation): number {
  return a.code === 'KEMENPERIN'
    ? Math.max(0, scale.traineesPerMinistry - FIGURES.kemenperinInTraining)
    : Math.round((scale.traineesPerMinistry * a.count) / 3_000) + 10;
}

/** Every trainee of a scale (for the progress bar). */
function traineeCount(scale: Scale): number {
  return FIGURES.kemenperinInTraining + ALLOCATION.reduce((n, a) => n + traineesOf(scale, a), 0) + scale.kp2miTrainees;
}

/** Trainees per COPY: memory stays flat at any scale. */
const TRAINEE_CHUNK = 10_000;
/** Trainees generated between turns of the event loop. */
const YIELD_EVERY = 1_000;

/** Employers of demo placements, by destination. */
const EMPLOYERS: Record<string, string[]> = {
  JP: ['Yamato Kaigo', 'Hokkaido Agri', 'Chubu Seiki', 'Osaka Hotel'],
  KR: ['Daehan Metal', 'Gyeonggi Plastics', 'Busan Shipyard'],
  TW: ['Taichung Precision', 'Kaohsiung Fisheries'],
  DE: ['Klinikum Nord', 'Bayern Pflege'],
  NL: ['Zorggroep Oost', 'Rotterdam Logistics'],
  CO: ['Bogotá Servicios'],
  CA: ['Prairie Farms', 'Northern Care'],
  US: ['Pacific Hospitality'],
};

export interface Progress {
  (stage: string, done: number, total: number): void;
}

/** Generates and inserts institutions, programmes, trainees, enrollments and returnee businesses. */
export async function seedProgramme(
  em: EntityManager,
  ministries: Map<string, { id: string }>,
  scale: Scale,
  progress: Progress = () => undefined,
): Promise<void> {
  const loader = await BulkLoader.open(present(em.config.get('clientUrl'), 'the database URL'));
  try {
    await generate(loader, ministries, scale, progress);
    await loader.commit();
  } catch (e) {
    await loader.rollback();
    throw e;
  }
}

async function generate(loader: BulkLoader, ministries: Map<string, { id: string }>, scale: Scale, progress: Progress): Promise<void> {
  const rnd = new Random(20251008);
  let clock = Date.UTC(2025, 9, 8);
  // One buffer for every id's random bytes: uuid copies them out, and millions of small arrays are garbage.
  const random = new Uint8Array(16);
  const id = () => {
    for (let i = 0; i < 16; i++) random[i] = rnd.int(0, 255);
    return uuidv7({ msecs: clock++, random });
  };
  const pickType = (types: [InstitutionType, number][]) => rnd.weighted(types);

  // Institutions: the 360 PMI-preparation ones and the rest get capacities apportioned to the exact totals.
  const institutions: Record<string, unknown>[] = [];
  const byMinistry = new Map<string, { id: string; pmi: boolean; sectors: Sector[]; province: string }[]>();
  for (const a of ALLOCATION) {
    const ministry = present(ministries.get(a.code), 'seeded ministries entry');
    const list: { id: string; pmi: boolean; sectors: Sector[]; province: string }[] = [];
    for (let i = 0; i < a.count; i++) {
      const type = pickType(a.types);
      const province = rnd.weighted(PROVINCE_WEIGHT);
      const sectors = [...new Set([rnd.pick(a.sectors), rnd.pick(a.sectors)])];
      const pmi = i < a.pmi;
      const linkAndMatch = !NOT_LINK_AND_MATCH.has(a.code) && (pmi || a.code === 'KESDM' || rnd.next() < 0.35);
      const name = a.code === 'KESDM' ? ESDM_UNITS[i] : `${a.prefix} ${i + 1} ${PROVINCES[province]}`;
      const row = {
        id: id(),
        owner_ministry_id: ministry.id,
        name,
        type,
        province_code: province,
        regency: null,
        address: null,
        annual_capacity: 0,
        sectors,
        link_and_match: linkAndMatch,
        pmi_preparation: pmi,
        accreditation: rnd.pick(['A', 'B', 'B', 'C', null]),
        _w: rnd.int(a.cap[0], a.cap[1]) * (pmi ? 4 : 1),
      };
      institutions.push(row);
      list.push({ id: row.id, pmi, sectors, province });
    }
    byMinistry.set(a.code, list);
  }
  for (const pmi of [true, false]) {
    const group = institutions.filter((r) => r.pmi_preparation === pmi);
    const caps = apportion(
      group.map((r) => r._w as number),
      pmi ? FIGURES.pmiCapacity : FIGURES.capacity - FIGURES.pmiCapacity,
    );
    group.forEach((r, i) => (r.annual_capacity = caps[i]));
  }
  institutions.forEach((r) => delete r._w);
  await loader.insert('institution', institutions, (d) => progress('institutions', d, institutions.length));

  // Programmes: PMI-preparation institutions prepare for the focus destinations; Kemenperin's five hold its 320 participants.
  const programs: Record<string, unknown>[] = [];
  const programsOf = new Map<string, string[]>();
  const programCountries = new Map<string, string[]>();
  const kemenperinTraining: { id: string; participants: number }[] = [];
  for (const a of ALLOCATION) {
    const ministry = present(ministries.get(a.code), 'seeded ministries entry');
    const list: string[] = [];
    present(byMinistry.get(a.code), 'seeded byMinistry entry').forEach((inst, i) => {
      const n = inst.pmi ? 3 : scale.programsPerInstitution;
      for (let p = 0; p < n; p++) {
        const special = a.code === 'KEMENPERIN' && inst.pmi && p === 0 && i < KEMENPERIN_TRAINING.length ? KEMENPERIN_TRAINING[i] : null;
        const countries = special ? special[2] : inst.pmi ? [rnd.pick(FOCUS), rnd.pick(FOCUS)].filter((c, k, xs) => xs.indexOf(c) === k) : [];
        const sector = special ? special[1] : rnd.pick(inst.sectors);
        const row = {
          id: id(),
          owner_ministry_id: ministry.id,
          institution_id: inst.id,
          title: special ? special[0] : `Pelatihan ${sector.toLowerCase().replace(/_/g, ' ')} ${p + 1}`,
          sector,
          target_country_codes: countries,
          capacity_per_intake: special ? special[3] : rnd.int(2, 12) * 10,
          start_date: '2025-11-03',
          end_date: '2026-05-29',
          status:
            special || inst.pmi ? ProgramStatus.RUNNING : rnd.pick([ProgramStatus.PLANNED, ProgramStatus.OPEN, ProgramStatus.RUNNING, ProgramStatus.COMPLETED]),
          competency_standard: 'SKKNI',
          certification_scheme: inst.pmi ? 'BNSP / LSP P1' : null,
          language_requirement: countries[0] ? LANGUAGE[countries[0]] : null,
        };
        programs.push(row);
        programCountries.set(row.id, countries);
        if (special) kemenperinTraining.push({ id: row.id, participants: special[3] });
        else list.push(row.id);
      }
    });
    programsOf.set(a.code, list);
  }
  await loader.insert('program', programs, (d) => progress('programmes', d, programs.length));

  // Trainees (all 18 or older, valid NIKs, origins weighted like real origin provinces) and their enrollments,
  // written a chunk at a time as they are generated: ten times the bench size is 3.2 million trainees.
  // Placements are drawn afterwards from the few enrollments that can lead to one (`candidates`).
  const sharing = new Set(['KESDM', 'KEMENPERIN', 'KEMENPAR'].map((c) => present(ministries.get(c), 'seeded ministries entry').id));
  const candidates: { traineeId: string; country: string; status: EnrollmentStatus }[] = [];
  let trainees: Record<string, unknown>[] = [];
  let enrollments: Record<string, unknown>[] = [];
  const traineeTotal = traineeCount(scale);
  let traineesWritten = 0;
  // Each chunk is handed to the loader, which loads it while the next one is generated.
  const flush = async () => {
    const [t, e] = [trainees, enrollments];
    [trainees, enrollments] = [[], []];
    const before = traineesWritten;
    traineesWritten += t.length;
    await loader.insert('trainee', t, (done) => progress('trainees', before + done, traineeTotal));
    await loader.insert('enrollment', e);
  };
  // A NIK is unique per owning ministry; its 4-digit serial repeats, so a repeat (rare, from 10× up) takes the next serial.
  const niksOf = new Map<string, Set<number>>();
  let serial = 1;
  const person = async (ministryId: string) => {
    const sex = rnd.next() < 0.66 ? Sex.FEMALE : Sex.MALE;
    const birthDate = `${rnd.int(1982, 2006)}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`;
    const province = rnd.weighted(ORIGIN_WEIGHT);
    const fullName = `${rnd.pick(FIRST[sex])} ${rnd.pick(LAST)}`;
    const rowId = id();
    const regencyCode = String(rnd.int(1, 29)).padStart(2, '0');
    const districtCode = String(rnd.int(1, 30)).padStart(2, '0');
    let niks = niksOf.get(ministryId);
    if (!niks) niksOf.set(ministryId, (niks = new Set()));
    let nik: string;
    // Numbers, not strings, to keep millions of them small; two NIKs rounding alike only cost a serial.
    while (niks.has(Number((nik = formatNik({ provinceCode: province, regencyCode, districtCode, birthDate, sex, serial: (serial++ % 9998) + 1 })))));
    niks.add(Number(nik));
    const row = {
      id: rowId,
      owner_ministry_id: ministryId,
      nik,
      full_name: fullName,
      sex,
      birth_date: birthDate,
      origin_province_code: province,
      origin_regency: null,
      phone: `+62 8${rnd.int(11, 59)} ${rnd.int(1000, 9999)} ${rnd.int(1000, 9999)}`,
      email: `${fullName.toLowerCase().replace(/ /g, '.')}.${serial}@mail.example`,
      address: `Desa ${rnd.pick(LAST)}, RT 0${rnd.int(1, 9)}/RW 0${rnd.int(1, 9)}`,
      education_level: rnd.pick([EducationLevel.SMA, EducationLevel.SMK, EducationLevel.SMK, EducationLevel.D3, EducationLevel.SMP]),
      status: TraineeStatus.IN_TRAINING,
    };
    if (trainees.length >= TRAINEE_CHUNK) await flush();
    // A turn of the event loop now and then lets the COPY in flight go on sending.
    else if (trainees.length % YIELD_EVERY === 0) await new Promise(setImmediate);
    trainees.push(row);
    return row.id;
  };
  const enroll = (ministryId: string, traineeId: string, programId: string, status: EnrollmentStatus) => {
    const row = {
      id: id(),
      owner_ministry_id: ministryId,
      trainee_id: traineeId,
      program_id: programId,
      status,
      enrolled_on: '2025-11-03',
      completed_on: status === EnrollmentStatus.COMPLETED ? '2025-10-31' : null,
    };
    // A trainee's enrollments are generated together: a second one in the same programme would break the unique pair.
    const last = enrollments.at(-1);
    if (last?.trainee_id === traineeId && last.program_id === programId) return;
    enrollments.push(row);
    const country = programCountries.get(programId)?.[0];
    if (country && sharing.has(ministryId)) candidates.push({ traineeId, country, status });
  };
  const kemenperin = present(ministries.get('KEMENPERIN'), 'seeded ministries entry').id;
  for (const p of kemenperinTraining) for (let k = 0; k < p.participants; k++) enroll(kemenperin, await person(kemenperin), p.id, EnrollmentStatus.ENROLLED);
  for (const a of ALLOCATION) {
    const ministry = present(ministries.get(a.code), 'seeded ministries entry').id;
    const own = present(programsOf.get(a.code), 'seeded programsOf entry');
    const n = traineesOf(scale, a);
    for (let k = 0; k < n && own.length; k++) {
      const t = await person(ministry);
      // Kemenperin's other trainees have finished: "currently in training" stays exactly 320.
      enroll(ministry, t, own[k % own.length], a.code === 'KEMENPERIN' ? EnrollmentStatus.COMPLETED : EnrollmentStatus.ENROLLED);
      if (rnd.next() < 0.4) enroll(ministry, t, own[(k * 7 + 3) % own.length], a.code === 'KEMENPERIN' ? EnrollmentStatus.COMPLETED : EnrollmentStatus.APPLIED);
    }
  }
  const kp2mi = present(ministries.get('KP2MI'), 'seeded ministries entry').id;
  const kp2miPeople: string[] = [];
  for (let k = 0; k < scale.kp2miTrainees; k++) kp2miPeople.push(await person(kp2mi));
  await flush();

  // Placements abroad, recorded by KP2MI, for about a quarter of the trainees of focus-destination programmes
  // whose ministries share trainees' personal data with KP2MI under an MoU in force (KESDM, Kemenperin, Kemenpar):
  // finished trainees have departed, those in training have a planned departure.
  const placements: Record<string, unknown>[] = [];
  /** A placement with a company in `country`; `on` gives the departure, contract start and end. */
  const place = (traineeId: unknown, country: string, jobs: string[], on: { departure: string; start: string; end: string; status: string }) =>
    placements.push({
      id: id(),
      owner_ministry_id: kp2mi,
      trainee_id: traineeId,
      destination_country_code: country,
      employer_name: `${rnd.pick(EMPLOYERS[country] ?? ['Global Staffing'])} ${rnd.pick(['Co., Ltd.', 'Group', 'Holdings'])}`,
      employer_type: 'COMPANY',
      job_title: rnd.pick(jobs),
      sector: rnd.pick(Object.values(Sector)),
      scheme: country === 'KR' ? 'G_TO_G_EPS_KOREA' : country === 'JP' ? 'SSW_JAPAN' : 'P_TO_P',
      contract_start: on.start,
      contract_end: on.end,
      departure_date: on.departure,
      status: on.status,
    });
  const placed = new Set<string>();
  for (const e of candidates) {
    if (placed.has(e.traineeId) || rnd.next() >= 0.25) continue;
    placed.add(e.traineeId);
    const departed = e.status === EnrollmentStatus.COMPLETED;
    place(
      e.traineeId,
      e.country,
      ['Welder', 'Machine operator', 'Caregiver', 'Hotel staff', 'Farm worker', 'Electrician'],
      departed
        ? { departure: '2025-12-01', start: '2025-12-05', end: '2028-12-04', status: 'DEPARTED' }
        : { departure: '2026-06-15', start: '2026-07-01', end: '2029-06-30', status: 'PLANNED' },
    );
  }
  // KP2MI's own registered calon PMI: one in five has already left for a focus destination.
  for (const traineeId of kp2miPeople) {
    if (rnd.next() >= 0.2) continue;
    place(traineeId, rnd.pick(FOCUS), ['Caregiver', 'Factory worker', 'Hotel staff', 'Nurse assistant'], {
      departure: '2025-09-15',
      start: '2025-10-01',
      end: '2028-09-30',
      status: 'DEPARTED',
    });
  }
  await loader.insert('placement', placements, (d) => progress('placements', d, placements.length));

  // Village businesses of returned workers, mentored by Kementerian UMKM, many financed with KUR.
  const umkm = present(ministries.get('KEMENUMKM'), 'seeded ministries entry').id;
  const businesses: Record<string, unknown>[] = [];
  for (let k = 0; k < scale.returneeBusinesses; k++) {
    const sex = rnd.next() < 0.7 ? Sex.FEMALE : Sex.MALE;
    const birthDate = `${rnd.int(1970, 1995)}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`;
    const province = rnd.weighted(ORIGIN_WEIGHT);
    const financing = rnd.weighted<FinancingType>([
      [FinancingType.KUR, 55],
      [FinancingType.SELF_FUNDED, 25],
      [FinancingType.COOPERATIVE, 10],
      [FinancingType.GRANT, 6],
      [FinancingType.BANK_LOAN, 4],
    ]);
    businesses.push({
      id: id(),
      owner_ministry_id: umkm,
      returnee_name: `${rnd.pick(FIRST[sex])} ${rnd.pick(LAST)}`,
      returnee_nik: formatNik({
        provinceCode: province,
        regencyCode: String(rnd.int(1, 29)).padStart(2, '0'),
        districtCode: String(rnd.int(1, 30)).padStart(2, '0'),
        birthDate,
        sex,
        serial: (serial++ % 9998) + 1,
      }),
      returnee_phone: `+62 8${rnd.int(11, 59)} ${rnd.int(1000, 9999)} ${rnd.int(1000, 9999)}`,
      business_name: `${rnd.pick(['Warung Makan', 'Kopi', 'Konveksi', 'Toko Kelontong', 'Katering', 'Bengkel', 'Kerajinan', 'Budidaya Ikan'])} ${rnd.pick(LAST)}`,
      kbli_code: rnd.pick(['56101', '47111', '14111', '10792', '56210', '45201', '32909', '03221']),
      village_code: `${province}${String(rnd.int(1, 29)).padStart(2, '0')}${String(rnd.int(1, 30)).padStart(2, '0')}${String(rnd.int(2001, 2020))}`,
      province_code: province,
      founded_on: `20${rnd.int(18, 25)}-${String(rnd.int(1, 12)).padStart(2, '0')}-01`,
      employees: rnd.int(1, 12),
      financing_type: financing,
      financing_amount: financing === FinancingType.SELF_FUNDED ? null : rnd.int(2, 100) * 5_000_000,
      mentoring_sessions: rnd.int(0, 12),
    });
  }
  await loader.insert('returnee_business', businesses, (d) => progress('returnee businesses', d, businesses.length));
}
