/**
 * Masked forms of personal values (UU 27/2022) for callers who may see a row
 * but not its personal data. They keep just enough to recognise a record
 * ("the Jawa Timur NIK ending 01") and never the value itself.
 */

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
 * The masker of `field` of an entity class made from fields (resource/fields.ts), whose declaration says
 * which fields are personal and how each is masked; undefined when the field is not personal. The one
 * source the resolvers, the CSV export, explainAccess and the audit log's redaction all read.
 */
export function maskerOf(entity: unknown, field: string): Masker | undefined {
  const fields = (entity as { fields?: Readonly<Record<string, { personal?: Masker }>> } | null | undefined)?.fields;
  // Own properties only: a name such as `__proto__` or `constructor` is no personal field of anything.
  return fields && Object.hasOwn(fields, field) ? fields[field].personal : undefined;
}
