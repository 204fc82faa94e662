/**
 * One gate for every argument of every root query and mutation, before any
 * resolver sees it (issue 9): text is normalised to Unicode NFC and refused
 * when it carries NUL or other control characters (newline and tab only in
 * free text), bidirectional overrides, lone surrogates, or nothing but blanks
 * and zero-width characters; dates must be plausible (birth dates from 1900
 * to today, every other date from 2000 to 2100); whole amounts must be whole.
 * A refusal is BAD_USER_INPUT naming the field (`input.name`), so bad input
 * is always the caller's error and never reaches PostgreSQL.
 */
import { getNullableType, isInputObjectType, isListType, isScalarType, type GraphQLInputType } from 'graphql';
import type { IMiddlewareFunction } from 'graphql-middleware';
import { badUserInput } from './errors';
import { todayInJakarta } from './time';

/** Multi-line fields: newline and tab are allowed in these, and only these. */
const FREE_TEXT = new Set(['scope', 'purpose', 'reason', 'address', 'terminationReason', 'moratoriumBasis']);
/**
 * Passed through untouched: a password is whatever its owner typed; a CSV file is checked cell by cell by the
 * import; a trusted document is kept byte for byte (its id is the hash of its exact text) and is parsed and
 * validated as GraphQL by its registration.
 */
const RAW = new Set(['password', 'csv', 'documents']);
/** Whole numbers carried as Float because they outgrow 32 bits (rupiah amounts). */
const WHOLE_FLOATS = new Set(['financingAmount']);
/** No input field of the schema needs more; each also declares its own, tighter maximum. */
const ABSOLUTE_MAX_CHARS = 10_000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LINE_BREAKS = /[\t\n\r\u2028\u2029]/;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const BLANK = /^[\s\u00A0\u1680\u180E\u2000-\u200D\u2028\u2029\u202F\u205F\u2060\u3000\uFEFF]*$/;

/** The text as stored (NFC), or the reason it is refused. */
export function cleanText(value: string, field: string): string | { reason: string } {
  const name = (field.split('.').pop() ?? field).replace(/\[\d+\]$/, '');
  if (RAW.has(name)) return value;
  if (value.length > ABSOLUTE_MAX_CHARS) return { reason: `is longer than ${ABSOLUTE_MAX_CHARS} characters` };
  if (LONE_SURROGATE.test(value)) return { reason: 'is not valid Unicode text (a lone surrogate)' };
  if (CONTROL.test(value)) return { reason: 'contains control characters' };
  if (!FREE_TEXT.has(name) && LINE_BREAKS.test(value)) return { reason: 'must be one line, without tabs' };
  if (BIDI.test(value)) return { reason: 'contains bidirectional-override characters' };
  if (value.length > 0 && BLANK.test(value)) return { reason: 'is blank' };
  return value.normalize('NFC');
}

/** The earliest and latest plausible value of a date field. */
export function dateRange(name: string): [string, string] {
  return name === 'birthDate' ? ['1900-01-01', todayInJakarta()] : ['2000-01-01', '2100-12-31'];
}

function check(value: unknown, type: GraphQLInputType, path: string, name: string): unknown {
  if (value === null || value === undefined) return value;
  const t = getNullableType(type);
  if (isListType(t)) return Array.isArray(value) ? value.map((v, i) => check(v, t.ofType, `${path}.${i}`, name)) : value;
  if (isInputObjectType(t)) {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [key, field] of Object.entries(t.getFields())) out[key] = check(out[key], field.type, `${path}.${key}`, key);
    return out;
  }
  if (!isScalarType(t)) return value;
  if ((t.name === 'String' || t.name === 'ID') && typeof value === 'string') {
    const cleaned = cleanText(value, name);
    if (typeof cleaned !== 'string') throw badUserInput(`${path} ${cleaned.reason}.`, path);
    return cleaned;
  }
  if (t.name === 'LocalDate') {
    const text = value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
    const [from, to] = dateRange(name);
    if (text < from || text > to) throw badUserInput(`${path} must be a date from ${from} to ${to}.`, path);
    return value;
  }
  if (t.name === 'Float' && typeof value === 'number') {
    if (!Number.isFinite(value)) throw badUserInput(`${path} must be a finite number.`, path);
    if (WHOLE_FLOATS.has(name) && !Number.isSafeInteger(value)) throw badUserInput(`${path} must be a whole number (rupiah).`, path);
  }
  return value;
}

/** graphql-middleware for every root field: checks and normalises its arguments, then resolves with them. */
export const inputGuard: IMiddlewareFunction = (resolve, root, args, ctx, info) => {
  const field = info.parentType.getFields()[info.fieldName];
  const cleaned: Record<string, unknown> = { ...args };
  for (const arg of field.args) if (arg.name in cleaned) cleaned[arg.name] = check(cleaned[arg.name], arg.type, arg.name, arg.name);
  return resolve(root, cleaned, ctx, info);
};
