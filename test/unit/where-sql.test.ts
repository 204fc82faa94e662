import { describe, expect, it } from 'vitest';
import { ReferenceKind, type EntityMetadata } from '@mikro-orm/core';
import { countLiteral, orderSql, whereSql } from '../../src/data/where-sql';

/** An entity's metadata as where-sql.ts reads it: properties, their kind and their columns. */
const meta = {
  properties: {
    id: { kind: ReferenceKind.SCALAR, fieldNames: ['id'] },
    name: { kind: ReferenceKind.SCALAR, fieldNames: ['name'] },
    annualCapacity: { kind: ReferenceKind.SCALAR, fieldNames: ['annual_capacity'] },
    ownerMinistry: { kind: ReferenceKind.MANY_TO_ONE, fieldNames: ['owner_ministry_id'] },
    status: { kind: ReferenceKind.SCALAR, fieldNames: ['status'], customType: {} },
    programs: { kind: ReferenceKind.ONE_TO_MANY, fieldNames: [] },
    label: { kind: ReferenceKind.SCALAR, fieldNames: ['label'], persist: false },
  },
} as unknown as EntityMetadata;

const sql = (where: unknown) => {
  const params: unknown[] = [];
  const text = whereSql(meta, where, 't0', params);
  return { text, params };
};

describe('where-sql: page filters written without the QueryBuilder', () => {
  it('writes the scope filter and ids as one placeholder per list, as knex expands them', () => {
    expect(sql({ $and: [{ ownerMinistry: { $in: ['m1', 'm2'] } }, { id: { $in: ['a'] } }] })).toEqual({
      text: '(t0."owner_ministry_id" in (?)) and (t0."id" in (?))',
      params: [['m1', 'm2'], ['a']],
    });
  });

  it('writes equality, null, comparisons and patterns, keeping the order of the values', () => {
    expect(sql({ ownerMinistry: 'm1', name: { $ilike: '%kes%' }, annualCapacity: { $gte: 10, $lt: 20 } })).toEqual({
      text: '(t0."owner_ministry_id" = ?) and (t0."name" ilike ?) and (t0."annual_capacity" >= ? and t0."annual_capacity" < ?)',
      params: ['m1', '%kes%', 10, 20],
    });
    expect(sql({ name: null }).text).toBe('t0."name" is null');
    expect(sql({ name: { $ne: null } }).text).toBe('t0."name" is not null');
  });

  it('writes a keyset cursor condition ($or inside $and)', () => {
    const cursor = { name: { $gte: 'B' }, $or: [{ name: { $gt: 'B' } }, { id: { $gt: 'x' } }] };
    expect(sql({ $and: [{ ownerMinistry: { $in: ['m1'] } }, cursor] })).toEqual({
      text: '(t0."owner_ministry_id" in (?)) and ((t0."name" >= ?) and ((t0."name" > ?) or (t0."id" > ?)))',
      params: [['m1'], 'B', 'B', 'x'],
    });
  });

  it('reads an empty filter as true and an empty list as false', () => {
    expect(sql({}).text).toBe('true');
    expect(sql({ id: { $in: [] } })).toEqual({ text: 'false', params: [] });
  });

  it('leaves to the ORM what it does not write: custom types, collections, unmapped names, objects, unknown operators', () => {
    for (const where of [
      { status: 'ACTIVE' },
      { programs: { $in: ['p'] } },
      { label: 'x' },
      { nosuch: 1 },
      { ownerMinistry: { id: 'm1' } },
      { name: { $re: 'x' } },
      { name: { $in: [null] } },
      { annualCapacity: Number.NaN },
      { createdAt: new Date() },
      { $not: { name: 'x' } },
      { $and: [] },
    ])
      expect(sql(where).text, JSON.stringify(where)).toBeNull();
  });

  it('writes orderings of columns and refuses others', () => {
    expect(orderSql(meta, [{ name: 'asc' }, { id: 'DESC' }], 't0')).toBe('t0."name" asc, t0."id" desc');
    expect(orderSql(meta, [{ name: 'asc nulls last' }], 't0')).toBeNull();
    expect(orderSql(meta, [{ status: 'asc' }], 't0')).toBeNull();
    expect(orderSql(meta, [], 't0')).toBe('');
  });
});

describe('countLiteral', () => {
  it('writes a whole row count into the statement, and nothing else', () => {
    expect(countLiteral(21)).toBe('21');
    expect(countLiteral(0)).toBe('0');
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, '1; drop table x' as unknown as number])
      expect(() => countLiteral(bad)).toThrow(/not a row count/);
  });
});
