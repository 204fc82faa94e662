/**
 * The CSV layouts ministries import, one per kind: a header row naming these
 * columns (in any order), then one row per record. `externalId` is the
 * ministry's own stable id of the row: re-importing a file updates by it.
 * Lists (sectors, target countries) are separated by `;`.
 */
import { restoreCell } from '../../shared/csv-safety';
import { cleanText, dateRange } from '../../shared/input-guard';
import { Accreditation, EducationLevel, InstitutionType, ProgramStatus, Sector, Sex, TraineeStatus } from '../../shared/enums';

export type ColumnType = 'string' | 'int' | 'bool' | 'date' | { enum: object } | { list: 'string' | object };
/** `default`: the value an empty cell takes — the create mutation's default for the field. */
export interface Column { name: string; type: ColumnType; required?: boolean; default?: unknown }

const e = (x: object) => ({ enum: x });

export const LAYOUTS = {
  INSTITUTIONS: [
    { name: 'externalId', type: 'string', required: true }, { name: 'name', type: 'string', required: true }, { name: 'type', type: e(InstitutionType), required: true },
    { name: 'provinceCode', type: 'string', required: true }, { name: 'regency', type: 'string' }, { name: 'address', type: 'string' },
    { name: 'annualCapacity', type: 'int', required: true }, { name: 'sectors', type: { list: Sector }, default: [] }, { name: 'linkAndMatch', type: 'bool', default: false },
    { name: 'pmiPreparation', type: 'bool', default: false }, { name: 'accreditation', type: e(Accreditation) },
  ],
  PROGRAMS: [
    { name: 'externalId', type: 'string', required: true }, { name: 'institutionExternalId', type: 'string', required: true }, { name: 'title', type: 'string', required: true },
    { name: 'sector', type: e(Sector), required: true }, { name: 'targetCountryCodes', type: { list: 'string' }, default: [] }, { name: 'capacityPerIntake', type: 'int', required: true },
    { name: 'startDate', type: 'date' }, { name: 'endDate', type: 'date' }, { name: 'status', type: e(ProgramStatus), default: ProgramStatus.PLANNED }, { name: 'competencyStandard', type: 'string' },
    { name: 'certificationScheme', type: 'string' }, { name: 'languageRequirement', type: 'string' },
  ],
  TRAINEES: [
    { name: 'externalId', type: 'string', required: true }, { name: 'nik', type: 'string', required: true }, { name: 'fullName', type: 'string', required: true },
    { name: 'sex', type: e(Sex), required: true }, { name: 'birthDate', type: 'date', required: true }, { name: 'originProvinceCode', type: 'string', required: true },
    { name: 'originRegency', type: 'string' }, { name: 'phone', type: 'string' }, { name: 'email', type: 'string' }, { name: 'address', type: 'string' },
    { name: 'educationLevel', type: e(EducationLevel) }, { name: 'status', type: e(TraineeStatus), default: TraineeStatus.REGISTERED },
  ],
} satisfies Record<string, Column[]>;

export type ImportKindName = keyof typeof LAYOUTS;

const isDate = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

/** Converts one CSV cell, or returns why it cannot be. Empty cells are "not given". */
export function convert(column: Column, raw: string | undefined): { value: unknown } | { error: string } {
  // An exported cell comes back with its CSV-injection apostrophe (see csv-safety.ts).
  const v = restoreCell(raw ?? '').trim();
  if (v === '') return column.required ? { error: 'is required' } : { value: column.default };
  const t = column.type;
  if (t === 'string') {
    // The same text rules as every API input (input-guard.ts).
    const cleaned = cleanText(v, column.name);
    return typeof cleaned === 'string' ? { value: cleaned } : { error: cleaned.reason };
  }
  if (t === 'int') return /^-?\d+$/.test(v) ? { value: Number(v) } : { error: `"${v}" is not a whole number` };
  if (t === 'bool') {
    const b = v.toLowerCase();
    if (['true', 'ya', 'yes', '1'].includes(b)) return { value: true };
    if (['false', 'tidak', 'no', '0'].includes(b)) return { value: false };
    return { error: `"${v}" is not true/false` };
  }
  if (t === 'date') {
    if (!isDate(v)) return { error: `"${v}" is not a date (YYYY-MM-DD)` };
    const [from, to] = dateRange(column.name);
    return v >= from && v <= to ? { value: v } : { error: `must be a date from ${from} to ${to}` };
  }
  if ('enum' in t) {
    const allowed = Object.values(t.enum) as string[];
    return allowed.includes(v.toUpperCase()) ? { value: v.toUpperCase() } : { error: `"${v}" is not one of ${allowed.join(', ')}` };
  }
  const items = v.split(';').map((x) => x.trim()).filter(Boolean);
  if (t.list === 'string') return { value: items.map((x) => x.toUpperCase()) };
  const allowed = Object.values(t.list) as string[];
  const bad = items.filter((x) => !allowed.includes(x.toUpperCase()));
  return bad.length ? { error: `"${bad.join(';')}" not among ${allowed.join(', ')}` } : { value: items.map((x) => x.toUpperCase()) };
}
