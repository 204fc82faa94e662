/**
 * NIK (Nomor Induk Kependudukan) format checks: `PP KK SS DDMMYY NNNN`.
 * Only Dukcapil can prove a NIK exists; we check the format and that it agrees
 * with the stated birth date and sex (domain.md). Pure functions, unit-tested.
 */
import { isProvinceCode } from '../../shared/regions';
import { Sex } from '../../shared/enums';

export interface NikParts {
  provinceCode: string;
  regencyCode: string;
  districtCode: string;
  sex: Sex;
  /** Day and month of birth; the two-digit year fits 19YY or 20YY. */
  birthDay: number;
  birthMonth: number;
  birthYear2: number;
  serial: string;
}

const validDate = (y: number, m: number, d: number) => {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
};

/** Parses a NIK or returns the reason it is malformed. */
export function parseNik(nik: string): NikParts | string {
  if (!/^\d{16}$/.test(nik)) return 'NIK must be exactly 16 digits';
  const provinceCode = nik.slice(0, 2);
  if (!isProvinceCode(provinceCode)) return `NIK starts with an unknown province code ${provinceCode}`;
  const regency = Number(nik.slice(2, 4));
  // 01–69 kabupaten, 71–99 kota. Codes of regions since split stay valid.
  if (regency === 0 || regency === 70) return `NIK has an invalid regency/city code ${nik.slice(2, 4)}`;
  if (nik.slice(4, 6) === '00') return 'NIK has an invalid district code 00';
  let day = Number(nik.slice(6, 8));
  const month = Number(nik.slice(8, 10));
  const year2 = Number(nik.slice(10, 12));
  const sex = day > 40 ? Sex.FEMALE : Sex.MALE;
  if (day > 40) day -= 40;
  if (day < 1 || day > 31 || month < 1 || month > 12) return 'NIK has an impossible birth date';
  if (!validDate(1900 + year2, month, day) && !validDate(2000 + year2, month, day)) return 'NIK has an impossible birth date';
  const serial = nik.slice(12);
  if (serial === '0000') return 'NIK serial 0000 is invalid';
  return { provinceCode, regencyCode: nik.slice(2, 4), districtCode: nik.slice(4, 6), sex, birthDay: day, birthMonth: month, birthYear2: year2, serial };
}

/** Why `nik` disagrees with the stated birth date (YYYY-MM-DD) and sex, or null when consistent. */
export function nikMismatch(nik: string, birthDate: string, sex: Sex): string | null {
  const parts = parseNik(nik);
  if (typeof parts === 'string') return parts;
  const [y, m, d] = birthDate.split('-').map(Number);
  if (parts.birthDay !== d || parts.birthMonth !== m || parts.birthYear2 !== y % 100) return 'NIK does not match the birth date';
  if (parts.sex !== sex) return parts.sex === Sex.FEMALE ? 'NIK is that of a woman (day + 40) but sex is MALE' : 'NIK is that of a man but sex is FEMALE';
  return null;
}

/** Builds a NIK from its parts (demo data and tests). */
export function formatNik(p: { provinceCode: string; regencyCode: string; districtCode: string; birthDate: string; sex: Sex; serial: number }): string {
  const [y, m, d] = p.birthDate.split('-').map(Number);
  const day = p.sex === Sex.FEMALE ? d + 40 : d;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.provinceCode}${p.regencyCode}${p.districtCode}${two(day)}${two(m)}${two(y % 100)}${String(p.serial).padStart(4, '0')}`;
}

/** Masked form for callers who may see the row but not the value (defined with the other masks). */
export { maskNik } from '../../access/masking';

/** Whole years between `birthDate` and `today` (both YYYY-MM-DD). */
export function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [ty, tm, td] = today.split('-').map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/** A well-formed NIK of a person from Kabupaten Malang for test fixtures, distinct for each `n` below 10,000. */
export const fixtureNik = (n: number, sex = Sex.FEMALE, birthDate = '1998-04-12') =>
  formatNik({ provinceCode: '35', regencyCode: '07', districtCode: '12', birthDate, sex, serial: n % 9999 || 1 });
