/**
 * Who may call which root operation, as data. The shield rules are built from
 * this table, and `accessMatrix` reports it per role, so the rules and their
 * explanation cannot drift apart. Which *rows* a caller then sees is the
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

const crud = (name: string): Record<string, OperationPolicy> => ({
  [`create${name}`]: { audience: 'writer', scoped: true },
  [`update${name}`]: { audience: 'writer', scoped: true },
  [`delete${name}`]: { audience: 'writer', scoped: true },
});

export const QUERY_POLICY: Record<string, OperationPolicy> = {
  node: { audience: 'authenticated', scoped: true },
  viewer: { audience: 'identified', scoped: false },
  ministries: { audience: 'authenticated', scoped: false },
  destinationCountries: { audience: 'authenticated', scoped: false },
  institutions: { audience: 'staff', scoped: true },
  programs: { audience: 'staff', scoped: true },
  trainees: { audience: 'staff', scoped: true },
  enrollments: { audience: 'staff', scoped: true },
  returneeBusinesses: { audience: 'staff', scoped: true },
  mous: { audience: 'staff-or-auditor', scoped: true },
  accounts: { audience: 'account-managers', scoped: true },
  dataSubjectAccessReport: { audience: 'staff', scoped: true },
  explainAccess: { audience: 'authenticated', scoped: true },
  accessMatrix: { audience: 'authenticated', scoped: false },
  auditEvents: { audience: 'audit-readers', scoped: true },
  statistics: { audience: 'staff-or-auditor', scoped: true },
  institutionsCsv: { audience: 'staff', scoped: true },
  programsCsv: { audience: 'staff', scoped: true },
  traineesCsv: { audience: 'staff', scoped: true },
  enrollmentsCsv: { audience: 'staff', scoped: true },
  returneeBusinessesCsv: { audience: 'staff', scoped: true },
  verifyAuditLog: { audience: 'auditor', scoped: false },
  auditCheckpoint: { audience: 'auditor', scoped: false },
};

export const MUTATION_POLICY: Record<string, OperationPolicy> = {
  login: { audience: 'anyone', scoped: false },
  ...crud('Institution'),
  ...crud('Program'),
  ...crud('Trainee'),
  ...crud('Enrollment'),
  ...crud('ReturneeBusiness'),
  createMou: { audience: 'writer', scoped: true },
  updateMouDraft: { audience: 'writer', scoped: true },
  signMou: { audience: 'admin', scoped: true },
  terminateMou: { audience: 'admin', scoped: true },
  amendMou: { audience: 'admin', scoped: true },
  signMouAmendment: { audience: 'admin', scoped: true },
  rejectMouAmendment: { audience: 'admin', scoped: true },
  withdrawMouAmendment: { audience: 'admin', scoped: true },
  narrowMouClause: { audience: 'admin', scoped: true },
  createAccount: { audience: 'account-managers', scoped: true },
  updateAccount: { audience: 'account-managers', scoped: true },
  approveAccount: { audience: 'admin', scoped: true },
  createMinistry: { audience: 'platform-admin', scoped: false },
  updateMinistry: { audience: 'platform-admin', scoped: false },
  upsertDestinationCountry: { audience: 'coordinator-writer', scoped: true },
  importCsv: { audience: 'writer', scoped: true },
};

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
