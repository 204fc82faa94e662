import { describe, expect, it } from 'vitest';
import { PER_CONNECTION, positional, queryFor } from '../../src/db/prepared';

describe('statements with PostgreSQL parameters (prepared.ts)', () => {
  it('numbers the placeholders in order, leaving quoted literals and identifiers alone', () => {
    expect(positional(`select '?' as "a?", x from t where a = ? and b > ? limit ?`, ['x', 3, 20])).toEqual({
      text: `select '?' as "a?", x from t where a = $1 and b > $2 limit $3`,
      values: ['x', 3, 20],
    });
  });

  it('passes a list as one array parameter, so the text does not depend on its length', () => {
    const one = positional('select * from t where t.id in (?) and t.owner in (?)', [
      ['a', 'b'],
      ['m1', 'm2'],
    ]);
    const two = positional('select * from t where t.id in (?) and t.owner in (?)', [
      ['a', 'b', 'c'],
      ['m1', 'm2', 'm3'],
    ]);
    expect(one).toEqual({
      text: 'select * from t where t.id = any($1) and t.owner = any($2)',
      values: [
        ['a', 'b'],
        ['m1', 'm2'],
      ],
    });
    expect(two?.text).toBe(one?.text);
    // A list of one is compared as itself (PostgreSQL keeps a generic plan for that text).
    expect(positional('select * from t where t.id in (?) and t.owner in (?)', [['a'], ['m1', 'm2']])).toEqual({
      text: 'select * from t where t.id = $1 and t.owner = any($2)',
      values: ['a', ['m1', 'm2']],
    });
    expect(positional('select f(?, array[?]::uuid[])', ['t', ['a', 'b']])).toEqual({ text: 'select f($1, $2::uuid[])', values: ['t', ['a', 'b']] });
  });

  it('refuses what it cannot write, so the statement goes with its values inlined instead', () => {
    expect(positional('select ?? from t', ['a'])).toBeNull();
    expect(positional('select * from t where a = ?', [])).toBeNull();
    expect(positional('select * from t', ['extra'])).toBeNull();
    expect(positional('select * from t where a @> ?', [['x']])).toBeNull();
    expect(positional("select * from t where a = 'unterminated ?", ['x'])).toBeNull();
  });

  it('names a text once it repeats, the same name on every connection, and at most PER_CONNECTION per connection', () => {
    const [a, b] = [{}, {}];
    const statement = { text: `select ${Math.random()} where x = $1`, values: [1] };
    expect(queryFor(a, statement).name).toBeUndefined();
    const named = queryFor(a, statement).name;
    expect(named).toMatch(/^sinergi_\d+$/);
    expect(queryFor(b, statement).name).toBe(named);
    // Fill connection `a`; texts beyond its room go unnamed there, the ones it has keep their names.
    for (let i = 0; i < PER_CONNECTION + 5; i++) {
      const s = { text: `select ${i} from fill where x = $1 -- ${Math.random()}`, values: [i] };
      queryFor(a, s);
      queryFor(a, s);
    }
    const late = { text: `select 'late' where x = $1 -- ${Math.random()}`, values: [1] };
    queryFor(a, late);
    expect(queryFor(a, late).name).toBeUndefined();
    expect(queryFor(b, late).name).toMatch(/^sinergi_\d+$/);
    expect(queryFor(a, statement).name).toBe(named);
  });
});
