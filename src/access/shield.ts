/**
 * Layer 1 of access (access-model.md): who may call which operation, as
 * graphql-shield rules. Deny by default: `fallbackRule` is deny, so a root field
 * or type added without a line here is refused until someone decides who may
 * use it. Which rows a caller sees is layer 2 (`scope.ts`), not this file.
 */
import { allow, deny, rule, shield } from 'graphql-shield';
import type { Context } from '../context';
import { forbidden, unauthenticated } from '../shared/errors';
import { isMinistryStaff, isWriter, Role } from './roles';

const authenticated = rule({ cache: 'contextual' })((_p, _a, ctx: Context) => (ctx.viewer ? true : unauthenticated()));

/** Ministry staff (VIEWER, EDITOR, ADMIN) work with programme data; auditors and platform admins do not. */
const ministryStaff = rule({ cache: 'contextual' })((_p, _a, ctx: Context) => {
  if (!ctx.viewer) return unauthenticated();
  return isMinistryStaff(ctx.viewer) ? true : forbidden('Only ministry staff read programme data.', 'role:ministry-staff');
});

const ministryWriter = rule({ cache: 'contextual' })((_p, _a, ctx: Context) => {
  if (!ctx.viewer) return unauthenticated();
  return isWriter(ctx.viewer) ? true : forbidden('Only a ministry EDITOR or ADMIN may change records.', 'role:editor-or-admin');
});

const mouReader = rule({ cache: 'contextual' })((_p, _a, ctx: Context) => {
  if (!ctx.viewer) return unauthenticated();
  return isMinistryStaff(ctx.viewer) || ctx.viewer.role === Role.AUDITOR ? true : forbidden('Only ministry staff and auditors read MoUs.', 'role:mou-reader');
});

const crud = (name: string) => ({ [`create${name}`]: ministryWriter, [`update${name}`]: ministryWriter, [`delete${name}`]: ministryWriter });

/** Root-field rules as data: the permission tests read this too. */
export const queryRules = {
  node: authenticated,
  viewer: authenticated,
  ministries: authenticated,
  destinationCountries: authenticated,
  institutions: ministryStaff,
  programs: ministryStaff,
  trainees: ministryStaff,
  enrollments: ministryStaff,
  returneeBusinesses: ministryStaff,
  mous: mouReader,
};

export const mutationRules = {
  login: allow,
  ...crud('Institution'),
  ...crud('Program'),
  ...crud('Trainee'),
  ...crud('Enrollment'),
  ...crud('ReturneeBusiness'),
};

/**
 * Object types: reaching an object already passed a root rule, and which rows
 * appear is the scope's business, so their fields only need an identity.
 */
const objectTypes = [
  'Account', 'LoginPayload', 'DeletePayload', 'PageInfo', 'Ministry', 'DestinationCountry',
  'Institution', 'Program', 'Trainee', 'Enrollment', 'Mou', 'MouParty', 'DataSharingClause', 'ReturneeBusiness',
  ...['Ministry', 'DestinationCountry', 'Institution', 'Program', 'Trainee', 'Enrollment', 'Mou', 'ReturneeBusiness'].flatMap((t) => [`${t}Connection`, `${t}Edge`]),
];

export const permissions = shield(
  {
    Query: queryRules,
    Mutation: mutationRules,
    // LoginPayload and Account are read right after login, before any identity exists.
    LoginPayload: allow,
    Account: allow,
    ...Object.fromEntries(objectTypes.filter((t) => t !== 'Account' && t !== 'LoginPayload').map((t) => [t, authenticated])),
  },
  {
    fallbackRule: deny,
    fallbackError: () => forbidden('No access rule allows this field.', 'fallback:deny'),
    // Let our own errors (codes, fields) through instead of shield's "Not Authorised!".
    allowExternalErrors: true,
    debug: false,
  },
);
