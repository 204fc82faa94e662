/**
 * Rows made directly through the ORM (system scope) for a given ministry, so a
 * test can set up another ministry's data without going through its API.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Enrollment } from '../../src/modules/enrollment/enrollment.entity';
import { Institution } from '../../src/modules/institution/institution.entity';
import type { Ministry } from '../../src/kernel/ministry.entity';
import { Program } from '../../src/modules/program/program.entity';
import { ReturneeBusiness } from '../../src/modules/returnee-business/returnee-business.entity';
import { formatNik } from '../../src/modules/trainee/nik';
import { Trainee } from '../../src/modules/trainee/trainee.entity';
import { DataSharingClause, Mou, MouParty } from '../../src/modules/mou/mou.entity';
import { EmployerType, Placement, PlacementScheme } from '../../src/modules/placement/placement.entity';
import { FinancingType, InstitutionType, MouStatus, ProgramStatus, ResourceType, Sector, Sex } from '../../src/shared/enums';
import { toGlobalId } from '../../src/shared/global-id';

let serial = 1;

export const gid = (row: { id: string; constructor: { name: string } }) => toGlobalId(row.constructor.name, row.id);

export function validNik(sex = Sex.FEMALE, birthDate = '1998-04-12'): string {
  return formatNik({ provinceCode: '35', regencyCode: '07', districtCode: '12', birthDate, sex, serial: serial++ % 9999 || 1 });
}

export function institution(em: EntityManager, owner: Ministry, over: Partial<Institution> = {}): Institution {
  return em.create(Institution, {
    ownerMinistry: owner,
    name: `Institution ${serial++}`,
    type: InstitutionType.TRAINING_CENTRE,
    provinceCode: '35',
    annualCapacity: 100,
    sectors: [Sector.TOURISM],
    ...over,
  } as never);
}

export function program(em: EntityManager, inst: Institution, over: Partial<Program> = {}): Program {
  return em.create(Program, {
    ownerMinistry: inst.ownerMinistry,
    institution: inst,
    title: `Programme ${serial++}`,
    sector: Sector.TOURISM,
    targetCountryCodes: ['JP'],
    capacityPerIntake: 20,
    status: ProgramStatus.RUNNING,
    ...over,
  } as never);
}

export function trainee(em: EntityManager, owner: Ministry, over: Partial<Trainee> = {}): Trainee {
  const sex = over.sex ?? Sex.FEMALE;
  const birthDate = over.birthDate ?? '1998-04-12';
  return em.create(Trainee, {
    ownerMinistry: owner,
    nik: validNik(sex, birthDate),
    fullName: `Person ${serial++}`,
    sex,
    birthDate,
    originProvinceCode: '35',
    phone: '+62 812 1111 2222',
    email: 'person@mail.example',
    address: 'Desa Contoh',
    ...over,
  } as never);
}

export function enrollment(em: EntityManager, prog: Program, person: Trainee, over: Partial<Enrollment> = {}): Enrollment {
  return em.create(Enrollment, { ownerMinistry: prog.ownerMinistry, program: prog, trainee: person, enrolledOn: '2025-11-03', ...over } as never);
}

export function returneeBusiness(em: EntityManager, owner: Ministry, over: Partial<ReturneeBusiness> = {}): ReturneeBusiness {
  return em.create(ReturneeBusiness, {
    ownerMinistry: owner,
    returneeName: `Returnee ${serial++}`,
    returneeNik: validNik(),
    businessName: `Warung ${serial++}`,
    kbliCode: '56101',
    villageCode: '3507122001',
    provinceCode: '35',
    employees: 2,
    financingType: FinancingType.KUR,
    financingAmount: 25_000_000,
    ...over,
  } as never);
}

export function placement(em: EntityManager, owner: Ministry, person: Trainee, over: Partial<Placement> = {}): Placement {
  return em.create(Placement, {
    ownerMinistry: owner,
    trainee: person,
    destinationCountryCode: 'JP',
    employerName: `Chubu Seiki ${serial++}`,
    employerType: EmployerType.COMPANY,
    jobTitle: 'Machine operator',
    sector: Sector.MANUFACTURING,
    scheme: PlacementScheme.SSW_JAPAN,
    contractStart: '2026-07-01',
    contractEnd: '2029-06-30',
    ...over,
  } as never);
}

/** One of each ownable entity for `owner`, flushed. */
export async function ministryWorld(em: EntityManager, owner: Ministry) {
  const inst = institution(em, owner);
  const prog = program(em, inst);
  const person = trainee(em, owner);
  const enr = enrollment(em, prog, person);
  const biz = returneeBusiness(em, owner, { trainee: person } as never);
  const placed = placement(em, owner, person);
  await em.flush();
  return { institution: inst, program: prog, trainee: person, enrollment: enr, returneeBusiness: biz, placement: placed };
}

export interface ClauseSpec {
  provider: Ministry;
  recipient: Ministry;
  resources: ResourceType[];
  personal?: boolean;
  purpose?: string;
}

/** An MoU of `owner` and `partner` signed by both and in force, with these clauses, flushed (made with owner rights, past the workflow). */
export async function signedMou(em: EntityManager, owner: Ministry, partner: Ministry, clauses: ClauseSpec[], over: Partial<Mou> = {}) {
  const mou = em.create(Mou, {
    ownerMinistry: owner,
    title: `MoU ${serial++}`,
    scope: 'Cooperation on calon PMI',
    validFrom: '2025-01-01',
    validUntil: '2035-01-01',
    partyMinistryIds: [owner.id, partner.id],
    recordedStatus: MouStatus.ACTIVE,
    ...over,
  } as never);
  for (const m of [owner, partner])
    em.create(MouParty, { mou, ministry: m, signedAt: new Date('2025-01-01T03:00:00Z'), signatoryName: 'Menteri', signatoryTitle: 'Menteri' } as never);
  const rows = clauses.map((c) =>
    em.create(DataSharingClause, {
      mou,
      providerMinistry: c.provider,
      recipientMinistry: c.recipient,
      resourceTypes: c.resources,
      includesPersonalData: c.personal ?? false,
      purpose: c.purpose ?? 'Protection of calon PMI',
    } as never),
  );
  await em.flush();
  return { mou, clauses: rows };
}
