import { registerEnumType } from 'type-graphql';

export enum Role {
  VIEWER = 'VIEWER',
  EDITOR = 'EDITOR',
  ADMIN = 'ADMIN',
  AUDITOR = 'AUDITOR',
  PLATFORM_ADMIN = 'PLATFORM_ADMIN',
}
registerEnumType(Role, { name: 'Role', description: 'One role per account; see access-model.md.' });

/** The identity behind a request, as the database derived it from the token's session. */
export interface Viewer {
  accountId: string;
  ministryId: string | null;
  role: Role;
  /** An ADMIN created by a PLATFORM_ADMIN, awaiting approval: may read its own account and nothing else. */
  pending?: boolean;
}

/** Roles that belong to a ministry and work with programme data, from least to most: the one list of them. */
export const STAFF_ROLES: readonly Role[] = [Role.VIEWER, Role.EDITOR, Role.ADMIN];
export const MINISTRY_ROLES: ReadonlySet<Role> = new Set(STAFF_ROLES);
export const WRITER_ROLES: ReadonlySet<Role> = new Set([Role.EDITOR, Role.ADMIN]);

export const isMinistryStaff = (v: Viewer | null): v is Viewer & { ministryId: string } => !!v && !v.pending && MINISTRY_ROLES.has(v.role) && !!v.ministryId;
export const isWriter = (v: Viewer | null): v is Viewer & { ministryId: string } => isMinistryStaff(v) && WRITER_ROLES.has(v.role);
