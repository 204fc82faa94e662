/** class-validator decorators for the programme's own formats; messages name the rule, `formatError` names the field. */
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { ageOn, parseNik } from '../modules/trainee/nik';
import { todayInJakarta } from './time';
import { isProvinceCode } from './regions';

function simple(name: string, test: (value: unknown) => string | null, options?: ValidationOptions) {
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

export const IsNik = (o?: ValidationOptions) =>
  simple('isNik', (v) => {
    const parsed = parseNik(String(v));
    return typeof parsed === 'string' ? parsed : null;
  }, o);

/** UU 18/2017: a migrant worker is at least 18. */
export const MIN_AGE = 18;
export const IsAdultBirthDate = (o?: ValidationOptions) =>
  simple('isAdultBirthDate', (v) => (ageOn(String(v), todayInJakarta()) >= MIN_AGE ? null : `must be at least ${MIN_AGE} years ago (UU 18/2017 minimum age)`), o);

export const IsCountryCodeFormat = (o?: ValidationOptions) =>
  simple('isCountryCode', (v) => (Array.isArray(v) && v.every((c) => typeof c === 'string' && /^[A-Z]{2}$/.test(c)) ? null : 'must be ISO 3166-1 alpha-2 codes such as JP'), o);
