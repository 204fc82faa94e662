/**
 * Columns of the CSV files ministries import (each resource declares its
 * own): a header row naming them (in any order), then one row per record.
 * `externalId` is the ministry's own stable id of the row: re-importing a
 * file updates by it. Lists (sectors, target countries) are separated by `;`.
 */
import { restoreCell } from '../shared/csv-safety';
import { cleanText, dateRange } from '../shared/input-guard';

export type ColumnType = 'string' | 'int' | 'bool' | 'date' | { enum: object } | { list: 'string' | object };
/** `default`: the value an empty cell takes — the create mutation's default for the field. */
export interface Column {
  name: string;
  type: ColumnType;
  required?: boolean;
  default?: unknown;
}

/** A column of an enum type. */
export const enumColumn = (x: object) => ({ enum: x });

const isDate = (v: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

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
  const items = v
    .split(';')
    .map((x) => x.trim())
    .filter(Boolean);
  if (t.list === 'string') return { value: items.map((x) => x.toUpperCase()) };
  const allowed = Object.values(t.list) as string[];
  const bad = items.filter((x) => !allowed.includes(x.toUpperCase()));
  return bad.length ? { error: `"${bad.join(';')}" not among ${allowed.join(', ')}` } : { value: items.map((x) => x.toUpperCase()) };
}
