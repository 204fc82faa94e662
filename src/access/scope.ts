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

/** The name of a ministry-owned resource (its GraphQL type), e.g. `Trainee`; the declarations list them. */
export type ScopedResource = string;

/** A data-sharing clause in force with the caller's ministry as recipient. */
export interface Grant {
  clauseId: string;
  mouId: string;
  providerMinistryId: string;
  resources: ScopedResource[];
  includesPersonalData: boolean;
}

/** Why a row is readable: the caller's own, a resource its role reads in full (auditors: MoUs), a party to the row (MoUs), or a clause. */
export type ReadReason = { rule: 'own-ministry' } | { rule: 'reads-all' } | { rule: 'system' } | { rule: 'party' } | { rule: 'mou-clause'; grant: Grant };

export class Scope {
  private constructor(
    /** null: every ministry (auditors' MoU reads). A resource not in the map reads nothing. */
    private readonly read: ReadonlyMap<ScopedResource, readonly string[] | null>,
    private readonly writeMinistry: string | null,
    readonly grants: readonly Grant[],
    readonly system: boolean,
  ) {}

  /** Scope for seeding, migrations and other work done by the platform itself, never for a request. */
  static system(): Scope {
    return new Scope(new Map(), null, [], true);
  }

  /** Nothing readable, nothing writable: anonymous callers and roles without programme access. */
  static none(): Scope {
    return new Scope(new Map(), null, [], false);
  }

  /**
   * The caller's scope as `sinergi_begin_request` derived it in SQL from the
   * account and the clauses in force: per resource, the ministries whose rows
   * are readable, and the resources readable in full (every MoU, for
   * auditors). The same lists seal the request's row-level security, so the
   * ORM filter and the policies cannot disagree. Writes and full personal data
   * stay the caller's own ministry's, and what `grants` (clauses in force, with
   * their ids for the read log) add.
   */
  static fromDatabase(
    viewer: Viewer | null,
    read: Readonly<Record<ScopedResource, readonly string[]>>,
    readsAll: readonly ScopedResource[],
    grants: readonly Grant[],
  ): Scope {
    const map = new Map<ScopedResource, readonly string[] | null>(Object.entries(read).map(([r, ids]) => [r, [...ids]]));
    for (const r of readsAll) map.set(r, null);
    const own = isMinistryStaff(viewer) ? viewer.ministryId : null;
    return new Scope(map, own, own ? grants : [], false);
  }

  /** Ministry ids whose rows of `resource` are readable; null means all. */
  readMinistries(resource: ScopedResource): readonly string[] | null {
    if (this.system) return null;
    const ids = this.read.get(resource);
    return ids === undefined ? [] : ids;
  }

  /** The rule that lets the caller read a row of `resource` owned by `ownerMinistryId`, or null. */
  readReason(resource: ScopedResource, ownerMinistryId: string, partyMinistryIds: readonly string[] = []): ReadReason | null {
    if (this.system) return { rule: 'system' };
    const ids = this.readMinistries(resource);
    if (ids === null) return { rule: 'reads-all' };
    if (this.writeMinistry === ownerMinistryId && ids.includes(ownerMinistryId)) return { rule: 'own-ministry' };
    if (this.writeMinistry && partyMinistryIds.includes(this.writeMinistry)) return { rule: 'party' };
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
  personalAccess(resource: ScopedResource, ownerMinistryId: string): { full: false } | { full: true; grant: Grant | null } {
    if (this.writeMinistry === null) return { full: false };
    if (this.writeMinistry === ownerMinistryId) return { full: true, grant: null };
    const grant = this.grants.find((g) => g.providerMinistryId === ownerMinistryId && g.includesPersonalData && g.resources.includes(resource));
    return grant ? { full: true, grant } : { full: false };
  }

  /** Ministries among `candidates` (null: the whole read scope) whose personal data of `resource` the caller may not read in full. */
  maskedMinistries(resource: ScopedResource, candidates: readonly string[] | null): string[] {
    const ids = candidates ?? this.readMinistries(resource) ?? [];
    return ids.filter((m) => !this.personalAccess(resource, m).full);
  }

  /**
   * The `where` merged into every ORM query for `resource` (see the `scope`
   * filter). `partyProperty`: an array property naming ministries that read
   * the row besides its owner (an MoU's parties).
   */
  where(resource: ScopedResource, partyProperty?: string): Record<string, unknown> {
    const ids = this.readMinistries(resource);
    if (ids === null) return {};
    // Matches nothing. (`$in: []` would too, but MikroORM renders it as invalid SQL inside join conditions.)
    if (ids.length === 0) return { id: null };
    if (partyProperty) return { $or: [{ ownerMinistry: { $in: ids } }, { [partyProperty]: { $overlap: ids } }] };
    return { ownerMinistry: { $in: ids } };
  }
}

/** Filter condition factory used by `@Filter({ name: 'scope' })` on every owned entity. */
export const scopeFilter = (resource: ScopedResource, partyProperty?: string) => (args: { scope?: Scope }) => {
  // Fail closed: a query run without a scope is a programming error, not "everything".
  if (!(args?.scope instanceof Scope)) throw new Error(`scope filter on ${resource} used without a Scope`);
  return args.scope.where(resource, partyProperty);
};
