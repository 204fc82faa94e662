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

/**
 * The personal fields of each entity (access-model.md, UU 27/2022) and how
 * each is masked: the one list the resolvers, the CSV export, explainAccess
 * and the audit log's redaction all read.
 */
export const PERSONAL_FIELDS = {
  Trainee: { nik: mask.nik, birthDate: mask.birthDate, phone: mask.phone, email: mask.email, address: mask.address },
  ReturneeBusiness: { returneeNik: mask.nik, returneePhone: mask.phone },
} as const satisfies Record<string, Record<string, (v: string) => string>>;

export type PersonalEntity = keyof typeof PERSONAL_FIELDS;

/** The masker of `field` of `entity`, or undefined when the field is not personal. */
export function maskerOf(entity: string, field: string): ((v: string) => string) | undefined {
  return (PERSONAL_FIELDS as Record<string, Record<string, (v: string) => string>>)[entity]?.[field];
}
