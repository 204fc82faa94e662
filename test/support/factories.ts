/**
 * Rows made directly through the ORM (system scope) for a given ministry, so a
 * test can set up another ministry's data without going through its API.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Enrollment } from '../../src/modules/enrollment/enrollment.entity';
import type { Institution } from '../../src/modules/institution/institution.entity';
import type { Ministry } from '../../src/data/ministry.entity';
import type { Program } from '../../src/modules/program/program.entity';
import type { ReturneeBusiness } from '../../src/modules/returnee-business/returnee-business.entity';
import { formatNik } from '../../src/modules/trainee/nik';
import type { Trainee } from '../../src/modules/trainee/trainee.entity';
import { DataSharingClause, Mou, MouParty } from '../../src/modules/mou/mou.entity';
import type { Placement } from '../../src/modules/placement/placement.entity';
import { MouStatus, ResourceType, Sex } from '../../src/shared/enums';
import { OWNED_RESOURCES } from '../../src/modules';
import { toGlobalId } from '../../src/shared/global-id';

let serial = 1;

export const gid = (row: { id: string; constructor: { name: string } }) => toGlobalId(row.constructor.name, row.id);

export function validNik(sex = Sex.FEMALE, birthDate = '1998-04-12'): string {
  return formatNik({ provinceCode: '35', regencyCode: '07', districtCode: '12', birthDate, sex, serial: serial++ % 9999 || 1 });
}

/** The owned resources with their test fixtures, in declaration order (a resource's relations point to earlier ones). */
export const FIXTURED = OWNED_RESOURCES.flatMap((r) => (r.fixture && r.node ? [{ ...r, fixture: r.fixture, node: r.node }] : []));

/** A world's key of a resource: `ReturneeBusiness` → `returneeBusiness`. */
export const worldKey = (type: string) => type.charAt(0).toLowerCase() + type.slice(1);

/** A row of `type` for `owner` from its fixture, its relations to `world`'s rows (by type name), `over` on top; not flushed. */
export function make<T = any>(em: EntityManager, type: string, owner: Ministry, world: Record<string, { id: string }>, over: object = {}): T {
  const r = FIXTURED.find((x) => x.name === type);
  if (!r) throw new Error(`${type} has no test fixture: give its declaration one`);
  return em.create(r.node, { ...r.fixture.row(world, serial++), ownerMinistry: owner, ...over } as never) as T;
}

export function institution(em: EntityManager, owner: Ministry, over: Partial<Institution> = {}): Institution {
  return make(em, 'Institution', owner, {}, over);
}

export function program(em: EntityManager, inst: Institution, over: Partial<Program> = {}): Program {
  return make(em, 'Program', inst.ownerMinistry as never, { Institution: inst }, over);
}

export function trainee(em: EntityManager, owner: Ministry, over: Partial<Trainee> = {}): Trainee {
  const sex = over.sex ?? Sex.FEMALE;
  const birthDate = over.birthDate ?? '1998-04-12';
  return make(em, 'Trainee', owner, {}, { nik: validNik(sex, birthDate), ...over });
}

export function enrollment(em: EntityManager, prog: Program, person: Trainee, over: Partial<Enrollment> = {}): Enrollment {
  return make(em, 'Enrollment', prog.ownerMinistry as never, { Program: prog, Trainee: person }, over);
}

export function returneeBusiness(em: EntityManager, owner: Ministry, over: Partial<ReturneeBusiness> = {}): ReturneeBusiness {
  return make(em, 'ReturneeBusiness', owner, {}, { trainee: null, returneeNik: validNik(), ...over });
}

export function placement(em: EntityManager, owner: Ministry, person: Trainee, over: Partial<Placement> = {}): Placement {
  return make(em, 'Placement', owner, { Trainee: person }, over);
}

/** A row of `type` for `owner` with rows of its own for each relation, nothing referring to it: one that can be deleted. Flushed. */
export async function lone<T = any>(em: EntityManager, type: string, owner: Ministry): Promise<T> {
  const parents = (t: string): Record<string, { id: string }> => {
    const r = FIXTURED.find((x) => x.name === t);
    const world: Record<string, { id: string }> = {};
    for (const field of Object.values(r?.fields ?? {})) {
      const target = field.reference?.target().name;
      if (target && !world[target]) world[target] = make(em, target, owner, parents(target));
    }
    return world;
  };
  const row = make<T>(em, type, owner, parents(type));
  await em.flush();
  return row;
}

/** A world of rows of one ministry: one of each owned resource, from its fixture, by world key (`w.trainee`), flushed. */
export type World = Record<string, any>;

export async function ministryWorld(em: EntityManager, owner: Ministry): Promise<World> {
  const byType: Record<string, { id: string }> = {};
  const world: World = {};
  for (const r of FIXTURED) world[worldKey(r.name)] = byType[r.name] = make(em, r.name, owner, byType);
  await em.flush();
  return world;
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
