/** class-validator decorators for the programme's own formats; messages name the rule, `formatError` names the field. */
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { isProvinceCode } from './regions';

/** A class-validator decorator from a test that returns the reason a value is refused, or null. */
export function simple(name: string, test: (value: unknown) => string | null, options?: ValidationOptions) {
  return (object: object, propertyName: string) => {
    let reason = '';
    registerDecorator({
      name,
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => {
          if (value === null || value === undefined) return true;
          const r = test(value);
          reason = r ?? '';
          return r === null;
        },
        defaultMessage: () => reason,
      },
    });
  };
}

export const IsProvinceCode = (o?: ValidationOptions) =>
  simple('isProvinceCode', (v) => (typeof v === 'string' && isProvinceCode(v) ? null : 'not a Kemendagri province code (e.g. 35 for Jawa Timur)'), o);

export const IsCountryCodeFormat = (o?: ValidationOptions) =>
  simple(
    'isCountryCode',
    (v) => (Array.isArray(v) && v.every((c) => typeof c === 'string' && /^[A-Z]{2}$/.test(c)) ? null : 'must be ISO 3166-1 alpha-2 codes such as JP'),
    o,
  );

/** A phone number as people write it: digits, spaces and dashes, an optional leading +. */
export const IsPhone = (o?: ValidationOptions) =>
  simple('isPhone', (v) => (typeof v === 'string' && /^\+?[0-9][0-9 -]{6,18}$/.test(v) ? null : 'not a phone number'), o);

/** One ISO 3166-1 alpha-2 code. */
export const IsCountryCode = (o?: ValidationOptions) =>
  simple('isCountryCode', (v) => (typeof v === 'string' && /^[A-Z]{2}$/.test(v) ? null : 'must be an ISO 3166-1 alpha-2 code such as JP'), o);

/** A string of exactly `n` digits (KBLI codes, village codes), with what it is called in the message. */
export const IsDigits = (n: number, what: string, o?: ValidationOptions) =>
  simple('isDigits', (v) => (typeof v === 'string' && new RegExp(`^\\d{${n}}$`).test(v) ? null : `must be a ${n}-digit ${what}`), o);
