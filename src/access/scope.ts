/**
 * The per-request data scope: which ministries' rows a caller may read, per
 * resource, and which it may write. Every data path consults it — the MikroORM
 * `scope` filter (lists, counts, by-id reads, relations), the hand-written SQL
 * of batched relation loaders, and the write checks — so this file is the one
 * place where access crosses a ministry border.
 *
 * Effective read scope of ministry M for resource R (access-model.md):
 *   {M} ∪ {provider P | a clause P -> M covering R is in force}
 * MoU clauses widen `grants` in `buildScope`; nothing else may.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { isMinistryStaff, Role, type Viewer } from './roles';

export const SCOPED_RESOURCES = ['Institution', 'Program', 'Trainee', 'Enrollment', 'ReturneeBusiness', 'Mou'] as const;
export type ScopedResource = (typeof SCOPED_RESOURCES)[number];

export class Scope {
  private constructor(
    /** null: every ministry (system tasks and auditors' MoU reads). */
    private readonly read: ReadonlyMap<ScopedResource, readonly string[] | null>,
    private readonly writeMinistry: string | null,
    readonly system: boolean,
  ) {}

  /** Scope for seeding, migrations and other work done by the platform itself, never for a request. */
  static system(): Scope {
    return new Scope(new Map(SCOPED_RESOURCES.map((r) => [r, null])), null, true);
  }

  /** Nothing readable, nothing writable: anonymous callers and roles without programme access. */
  static none(): Scope {
    return new Scope(new Map(SCOPED_RESOURCES.map((r) => [r, []])), null, false);
  }

  static of(read: Map<ScopedResource, readonly string[] | null>, writeMinistry: string | null): Scope {
    return new Scope(read, writeMinistry, false);
  }

  /** Ministry ids whose rows of `resource` are readable; null means all. */
  readMinistries(resource: ScopedResource): readonly string[] | null {
    const ids = this.read.get(resource);
    return ids === undefined ? [] : ids;
  }

  canRead(resource: ScopedResource, ownerMinistryId: string): boolean {
    const ids = this.readMinistries(resource);
    return ids === null || ids.includes(ownerMinistryId);
  }

  /** Write scope is the caller's own ministry alone, never widened by sharing. */
  canWrite(ownerMinistryId: string): boolean {
    return this.writeMinistry !== null && this.writeMinistry === ownerMinistryId;
  }

  get ownMinistry(): string | null {
    return this.writeMinistry;
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

/**
 * Builds the caller's scope once per request. Ministry staff read their own
 * ministry's rows; auditors read every MoU and no programme data; platform
 * admins read none of it (separation of duties).
 */
export async function buildScope(viewer: Viewer | null, _em: EntityManager): Promise<Scope> {
  if (!viewer) return Scope.none();
  if (viewer.role === Role.AUDITOR) {
    return Scope.of(new Map(SCOPED_RESOURCES.map((r) => [r, r === 'Mou' ? null : []])), null);
  }
  if (!isMinistryStaff(viewer)) return Scope.none();
  const own = [viewer.ministryId];
  return Scope.of(new Map(SCOPED_RESOURCES.map((r) => [r, own])), viewer.ministryId);
}

/** Filter condition factory used by `@Filter({ name: 'scope' })` on every owned entity. */
export const scopeFilter = (resource: ScopedResource) => (args: { scope?: Scope }) => {
  // Fail closed: a query run without a scope is a programming error, not "everything".
  if (!(args?.scope instanceof Scope)) throw new Error(`scope filter on ${resource} used without a Scope`);
  return args.scope.where(resource);
};
