import { describe, expect, it } from 'vitest';
import { neutraliseCell, restoreCell } from '../../src/shared/csv-safety';

describe('CSV injection guard', () => {
  it('prefixes every cell a spreadsheet would evaluate, and only those', () => {
    for (const v of ['=1+1', '+62 812', '-5', '@SUM(A1)', '\tx', '\rx']) expect(neutraliseCell(v)).toBe(`'${v}`);
    for (const v of ['BLK Malang', "'quoted", '3507', '', 'a=b']) expect(neutraliseCell(v)).toBe(v);
    expect(neutraliseCell(-5)).toBe(-5);
  });

  it('restores exactly what it prefixed', () => {
    for (const v of ['=1+1', '+62 812', '-5', '@SUM(A1)', '\tx', "'quoted", 'plain']) expect(restoreCell(String(neutraliseCell(v)))).toBe(v);
  });
});
