/**
 * Masked forms of personal values (UU 27/2022) for callers who may see a row
 * but not its personal data. They keep just enough to recognise a record
 * ("the Jawa Timur NIK ending 01") and never the value itself.
 */

import type { ResourceType } from '../shared/enums';

const stars = (n: number) => '*'.repeat(Math.max(n, 3));

/** A NIK for callers who may see the row but not the value: province and last two digits remain. */
export const maskNik = (nik: string) => `${nik.slice(0, 4)}${'*'.repeat(10)}${nik.slice(14)}`;

export const mask = {
  nik: maskNik,
  /** Year only: enough for age statistics, not for identification. */
  birthDate: (date: string) => `${date.slice(0, 4)}-**-**`,
  phone: (phone: string) => {
    const digits = phone.replace(/\D/g, '');
    return `${phone.startsWith('+') ? '+' : ''}${digits.slice(0, 2)}${stars(digits.length - 4)}${digits.slice(-2)}`;
  },
  email: (email: string) => {
    const at = email.indexOf('@');
    return at > 0 ? `${email[0]}${stars(at - 1)}${email.slice(at)}` : stars(email.length);
  },
  address: (_address: string) => '***',
};

export type Masker = (v: string) => string;

/**
 * The personal fields of each entity (access-model.md, UU 27/2022) and how
 * each is masked, as their resource declarations state them: the one list
 * the resolvers, the CSV export, explainAccess and the audit log's redaction
 * all read. Filled when the declarations load, before any request.
 */
const PERSONAL = new Map<string, { clause: ResourceType; fields: Readonly<Record<string, Masker>> }>();

/** Called by the resource declarations: `clause` is the resource type a full read is logged under. */
export function declarePersonalFields(entity: string, clause: ResourceType, fields: Readonly<Record<string, Masker>>): void {
  PERSONAL.set(entity, { clause, fields });
}

/** The masker of `field` of `entity`, or undefined when the field is not personal. */
export function maskerOf(entity: string, field: string): Masker | undefined {
  const fields = PERSONAL.get(entity)?.fields;
  // Own properties only: a name such as `__proto__` or `constructor` is no personal field of anything.
  return fields && Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** The clause resource type under which a full read of `entity`'s personal data is logged. */
export function personalClauseOf(entity: string): ResourceType {
  const p = PERSONAL.get(entity);
  if (!p) throw new Error(`${entity} declares no personal fields`);
  return p.clause;
}
