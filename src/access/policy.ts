/**
 * Who may call which root operation, as data: each resource declares its
 * operations' audiences, and the composition root gathers them into one
 * table. The shield rules are built from that table, and `accessMatrix`
 * reports it per role, so the rules and their explanation cannot drift apart. Which *rows* a caller then sees is the
 * scope's business (`scope.ts`); `scoped` marks operations whose answer
 * depends on it.
 */
import { Role, STAFF_ROLES } from './roles';

export type Audience =
  | 'anyone'
  | 'identified'
  | 'authenticated'
  | 'staff'
  | 'writer'
  | 'admin'
  | 'staff-or-auditor'
  | 'platform-admin'
  | 'account-managers'
  | 'coordinator-writer'
  | 'audit-readers'
  | 'auditor';

/** Roles each audience admits. `identified` also admits accounts pending approval; every other audience refuses them. `coordinator-writer` also needs the caller's ministry to be the coordinator (KP2MI). */
export const AUDIENCE_ROLES: Record<Audience, readonly Role[]> = {
  anyone: Object.values(Role),
  identified: Object.values(Role),
  authenticated: Object.values(Role),
  staff: STAFF_ROLES,
  writer: [Role.EDITOR, Role.ADMIN],
  admin: [Role.ADMIN],
  'staff-or-auditor': [...STAFF_ROLES, Role.AUDITOR],
  'platform-admin': [Role.PLATFORM_ADMIN],
  'account-managers': [Role.ADMIN, Role.PLATFORM_ADMIN],
  'coordinator-writer': [Role.EDITOR, Role.ADMIN],
  'audit-readers': [Role.ADMIN, Role.AUDITOR],
  auditor: [Role.AUDITOR],
};

export interface OperationPolicy {
  audience: Audience;
  /** The answer depends on the caller's ministry and the MoUs in force, not on the role alone. */
  scoped: boolean;
}

/** The policy table: every root query and mutation with its audience. The composition root assembles it from the resource declarations. */
export interface PolicyTable {
  query: Readonly<Record<string, OperationPolicy>>;
  mutation: Readonly<Record<string, OperationPolicy>>;
  subscription?: Readonly<Record<string, OperationPolicy>>;
}

export enum Access {
  ALLOWED = 'ALLOWED',
  SCOPED = 'SCOPED',
  DENIED = 'DENIED',
}

/** The matrix cell for a role: denied, allowed, or allowed within its scope. */
export function accessFor(policy: OperationPolicy, role: Role): Access {
  if (!AUDIENCE_ROLES[policy.audience].includes(role)) return Access.DENIED;
  return policy.scoped || policy.audience === 'coordinator-writer' ? Access.SCOPED : Access.ALLOWED;
}
