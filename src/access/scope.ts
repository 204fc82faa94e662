/**
 * The per-request data scope: which ministries' rows a caller may read, per
 * resource, which it may write, and whose personal data it may read in full.
 * Every data path consults it — the MikroORM `scope` filter (lists, counts,
 * by-id reads, relations), the hand-written SQL of batched relation loaders,
 * the write checks and the personal-field resolvers — so this file is the one
 * place where access crosses a ministry border.
 *
 * Effective read scope of ministry M for resource R (access-model.md):
 *   {M} ∪ {provider P | a clause P -> M covering R is in force}
 * It is derived once, in SQL, by `sinergi_begin_request` (the database-trust
 * migration) from the caller's session and the clauses in force, and sealed
 * for PostgreSQL's row-level security in the same step.
 */
import { isMinistryStaff, type Viewer } from './roles';
import { ResourceType } from '../shared/enums';

export const SCOPED_RESOURCES = ['Institution', 'Program', 'Trainee', 'Enrollment', 'ReturneeBusiness', 'Mou'] as const;
export type ScopedResource = (typeof SCOPED_RESOURCES)[number];

/** Which clause resource type covers which entity. MoUs are never shared by clauses: parties read them. */
export const RESOURCE_OF: Record<ResourceType, ScopedResource> = {
  [ResourceType.INSTITUTION]: 'Institution',
  [ResourceType.PROGRAM]: 'Program',
  [ResourceType.TRAINEE]: 'Trainee',
  [ResourceType.ENROLLMENT]: 'Enrollment',
  [ResourceType.RETURNEE_BUSINESS]: 'ReturneeBusiness',
};

/** The table (and key in `sinergi_begin_request`'s read lists) of each scoped resource. */
export const TABLE_OF: Record<ScopedResource, string> = {
  Institution: 'institution', Program: 'program', Trainee: 'trainee', Enrollment: 'enrollment', ReturneeBusiness: 'returnee_business', Mou: 'mou',
};

/** A data-sharing clause in force with the caller's ministry as recipient. */
export interface Grant {
  clauseId: string;
  mouId: string;
  providerMinistryId: string;
  resources: ScopedResource[];
  includesPersonalData: boolean;
}

/** Why a row is readable: the caller's own, every MoU row for auditors, an MoU party, or a clause. */
export type ReadReason =
  | { rule: 'own-ministry' }
  | { rule: 'auditor:all-mous' }
  | { rule: 'system' }
  | { rule: 'mou-party' }
  | { rule: 'mou-clause'; grant: Grant };

export class Scope {
  private constructor(
    /** null: every ministry (system tasks and auditors' MoU reads). */
    private readonly read: ReadonlyMap<ScopedResource, readonly string[] | null>,
    private readonly writeMinistry: string | null,
    readonly grants: readonly Grant[],
    readonly system: boolean,
  ) {}

  /** Scope for seeding, migrations and other work done by the platform itself, never for a request. */
  static system(): Scope {
    return new Scope(new Map(SCOPED_RESOURCES.map((r) => [r, null])), null, [], true);
  }

  /** Nothing readable, nothing writable: anonymous callers and roles without programme access. */
  static none(): Scope {
    return new Scope(new Map(SCOPED_RESOURCES.map((r) => [r, []])), null, [], false);
  }

  /**
   * The caller's scope as `sinergi_begin_request` derived it in SQL from the
   * account and the clauses in force: per resource (by table name) the
   * ministries whose rows are readable, and the resources readable in full
   * (every MoU, for auditors). The same lists seal the request's row-level
   * security, so the ORM filter and the policies cannot disagree. Writes and
   * full personal data stay the caller's own ministry's, and what `grants`
   * (clauses in force, with their ids for the read log) add.
   */
  static fromDatabase(viewer: Viewer | null, read: Readonly<Record<string, readonly string[]>>, readsAll: readonly string[], grants: readonly Grant[]): Scope {
    const map = new Map<ScopedResource, readonly string[] | null>(
      SCOPED_RESOURCES.map((r) => [r, readsAll.includes(TABLE_OF[r]) ? null : [...(read[TABLE_OF[r]] ?? [])]]),
    );
    const own = isMinistryStaff(viewer) ? viewer.ministryId : null;
    return new Scope(map, own, own ? grants : [], false);
  }

  /** Ministry ids whose rows of `resource` are readable; null means all. */
  readMinistries(resource: ScopedResource): readonly string[] | null {
    const ids = this.read.get(resource);
    return ids === undefined ? [] : ids;
  }

  /** The rule that lets the caller read a row of `resource` owned by `ownerMinistryId`, or null. */
  readReason(resource: ScopedResource, ownerMinistryId: string, partyMinistryIds: readonly string[] = []): ReadReason | null {
    if (this.system) return { rule: 'system' };
    const ids = this.readMinistries(resource);
    if (ids === null) return { rule: 'auditor:all-mous' };
    if (this.writeMinistry === ownerMinistryId && ids.includes(ownerMinistryId)) return { rule: 'own-ministry' };
    if (resource === 'Mou' && this.writeMinistry && partyMinistryIds.includes(this.writeMinistry)) return { rule: 'mou-party' };
    if (!ids.includes(ownerMinistryId)) return null;
    const grant = this.grants.find((g) => g.providerMinistryId === ownerMinistryId && g.resources.includes(resource));
    return grant ? { rule: 'mou-clause', grant } : null;
  }

  /** Write scope is the caller's own ministry alone, never widened by sharing. */
  canWrite(ownerMinistryId: string): boolean {
    return this.writeMinistry !== null && this.writeMinistry === ownerMinistryId;
  }

  get ownMinistry(): string | null {
    return this.writeMinistry;
  }

  /**
   * Whether personal fields of a readable row are shown in full: to the owner
   * ministry, or under a clause in force that includes personal data (that
   * clause is returned, for the read log). Everyone else gets masked values.
   */
  personalAccess(resource: 'Trainee' | 'ReturneeBusiness', ownerMinistryId: string): { full: false } | { full: true; grant: Grant | null } {
    if (this.writeMinistry === null) return { full: false };
    if (this.writeMinistry === ownerMinistryId) return { full: true, grant: null };
    const grant = this.grants.find((g) => g.providerMinistryId === ownerMinistryId && g.includesPersonalData && g.resources.includes(resource));
    return grant ? { full: true, grant } : { full: false };
  }

  /** Ministries among `candidates` (null: the whole read scope) whose personal data of `resource` the caller may not read in full. */
  maskedMinistries(resource: 'Trainee' | 'ReturneeBusiness', candidates: readonly string[] | null): string[] {
    const ids = candidates ?? this.readMinistries(resource) ?? [];
    return ids.filter((m) => !this.personalAccess(resource, m).full);
  }

  /** The `where` merged into every ORM query for `resource` (see the `scope` filter). */
  where(resource: ScopedResource): Record<string, unknown> {
    const ids = this.readMinistries(resource);
    if (ids === null) return {};
    // Matches nothing. (`$in: []` would too, but MikroORM renders it as invalid SQL inside join conditions.)
    if (ids.length === 0) return { id: null };
    if (resource === 'Mou') {
      // Every party of an MoU reads it, not only its drafter (the owner).
      return { $or: [{ ownerMinistry: { $in: ids } }, { partyMinistryIds: { $overlap: ids } }] };
    }
    return { ownerMinistry: { $in: ids } };
  }
}

/** Filter condition factory used by `@Filter({ name: 'scope' })` on every owned entity. */
export const scopeFilter = (resource: ScopedResource) => (args: { scope?: Scope }) => {
  // Fail closed: a query run without a scope is a programming error, not "everything".
  if (!(args?.scope instanceof Scope)) throw new Error(`scope filter on ${resource} used without a Scope`);
  return args.scope.where(resource);
};
