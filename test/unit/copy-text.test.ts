import { describe, expect, it } from 'vitest';
import { encodeRows, textField } from '../../src/seed/bulk-insert';

describe("COPY's text format", () => {
  it('escapes exactly the four characters that need it, and writes NULL as \\N', () => {
    expect(textField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(textField('plain, "quoted" text')).toBe('plain, "quoted" text');
    expect(textField('')).toBe('');
    expect(textField(null)).toBe('\\N');
    expect(textField(undefined)).toBe('\\N');
    expect(textField('\\N')).toBe('\\\\N');
  });

  it('writes numbers, booleans and timestamps as PostgreSQL reads them', () => {
    expect(textField(42)).toBe('42');
    expect(textField(12n)).toBe('12');
    expect([textField(true), textField(false)]).toEqual(['t', 'f']);
    expect(textField(new Date(Date.UTC(2025, 9, 8, 3)))).toBe('2025-10-08T03:00:00.000Z');
  });

  it('quotes array elements that are empty, NULL-like or hold a delimiter', () => {
    expect(textField([])).toBe('{}');
    expect(textField(['JP', 'KR'])).toBe('{JP,KR}');
    expect(textField(['', 'null', 'a,b', 'x y', 'q"t', '{b}', null])).toBe('{"","null","a,b","x y","q\\\\"t","{b}",NULL}');
    // The array literal's own backslashes are escaped again for the text format.
    expect(textField(['back\\slash'])).toBe('{"back\\\\\\\\slash"}');
  });

  it('refuses values it cannot write rather than guessing', () => {
    expect(() => textField({ a: 1 })).toThrow(TypeError);
  });

  it('writes rows as tab-separated lines, columns in the order given', () => {
    const rows = [
      { a: 1, b: 'x', c: null },
      { a: 2, b: 'y\tz', c: ['p'] },
      { a: 3, b: 'w', c: null },
    ];
    expect(encodeRows(['b', 'a', 'c'], rows)).toBe('x\t1\t\\N\ny\\tz\t2\t{p}\nw\t3\t\\N\n');
    expect(encodeRows(['a'], rows, 1, 2)).toBe('2\n');
  });
});
