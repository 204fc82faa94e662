/**
 * Partial data: one refused or failed part of an answer does not erase the
 * rest. Root fields, relation lists and statistics are nullable; a
 * connection's edges are not (a client reads its list without `?? []`), and a
 * failure to read them answers the connection null. A request's mutations
 * stay all or nothing, and say so.
 */
import 'reflect-metadata';
import { getNamedType, getNullableType, isListType, isNonNullType, isObjectType, type GraphQLField } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Institution } from '../src/modules/institution/institution.entity';
import { buildAppSchema } from '../src/graphql/schema';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let editor: Client;
beforeAll(async () => {
  t = await startTestApp();
  editor = await t.as(Role.EDITOR, 'KEMNAKER');
});
afterAll(() => t.close());

describe('the schema leaves room for partial data', () => {
  it('every root query and mutation field is nullable', async () => {
    const schema = await buildAppSchema();
    const nonNull = [schema.getQueryType()!, schema.getMutationType()!].flatMap((root) =>
      Object.values(root.getFields())
        .filter((f) => isNonNullType(f.type))
        .map((f) => `${root.name}.${f.name}`),
    );
    expect(nonNull).toEqual([]);
  });

  it('every relation list of an object type is nullable; every connection answers its edges as a list, never null', async () => {
    // Lists built in one step with their parent object: they cannot fail, or be refused, on their own.
    const builtWithParent = new Set([
      'DataSubjectAccessReport.records',
      'DataSubjectAccessReport.reads',
      'AccessMatrixRow.cells',
      'ImportReport.errors',
      'ImportReport.skips',
    ]);
    const schema = await buildAppSchema();
    const offenders: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__') || type === schema.getQueryType() || type === schema.getMutationType()) continue;
      for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
        const named = getNamedType(field.type);
        const computedList = isListType(getNullableType(field.type)) && isObjectType(named);
        const relation = isObjectType(named) && named.name.endsWith('Connection');
        const edges = type.name.endsWith('Connection') && field.name === 'edges';
        if (edges) {
          if (String(field.type) !== `[${named.name}!]!`) offenders.push(`${type.name}.${field.name} is ${String(field.type)}`);
        } else if ((computedList || relation) && isNonNullType(field.type) && !builtWithParent.has(`${type.name}.${field.name}`))
          offenders.push(`${type.name}.${field.name}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('a combined request', () => {
  it('returns the parts the caller may read beside the error for the refused part', async () => {
    const res = await editor.raw('{ viewer { email } accounts(first: 1) { totalCount } institutions(first: 1) { totalCount } }');
    expect(res.data?.viewer?.email).toBe(editor.account!.email);
    expect(res.data?.institutions?.totalCount).toBeTypeOf('number');
    expect(res.data).toHaveProperty('accounts', null);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['accounts'], extensions: { code: 'FORBIDDEN' } });
  });

  it('keeps a statistics answer when one breakdown is refused at the root beside it', async () => {
    const res = await editor.raw('{ statistics { institutionCount } auditEvents(first: 1) { totalCount } }');
    expect(res.data?.statistics?.institutionCount).toBeTypeOf('number');
    expect(res.data).toHaveProperty('auditEvents', null);
    expect(res.errors?.map((e) => e.path)).toEqual([['auditEvents']]);
  });

  it('keeps mutations all or nothing: the one that ran is rolled back and answers null with ROLLED_BACK', async () => {
    const before = await t.em().count(Institution, {});
    const res = await editor.raw(
      `mutation {
        __typename
        made: createInstitution(input: { name: "BLK Partial Data", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 10 }) { id }
        refused: createMinistry(input: { code: "PARTIAL", name: "Partial", nameEn: "Partial" }) { id }
      }`,
    );
    expect(res.data, JSON.stringify(res.errors)).toEqual({ __typename: 'Mutation', made: null, refused: null });
    const byPath = Object.fromEntries((res.errors ?? []).map((e) => [String(e.path), e.extensions?.code]));
    expect(byPath).toEqual({ made: 'ROLLED_BACK', refused: 'FORBIDDEN' });
    expect(await t.em().count(Institution, {})).toBe(before);
  });

  it('does not run the mutations after a refused one', async () => {
    const before = await t.em().count(Institution, {});
    const res = await editor.raw(
      `mutation {
        refused: createMinistry(input: { code: "PARTIAL2", name: "Partial", nameEn: "Partial" }) { id }
        later: createInstitution(input: { name: "BLK After Refusal", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 10 }) { id }
      }`,
    );
    expect(res.data).toEqual({ refused: null, later: null });
    const byPath = Object.fromEntries((res.errors ?? []).map((e) => [String(e.path), e]));
    expect(byPath.refused?.extensions?.code).toBe('FORBIDDEN');
    expect(byPath.later).toMatchObject({ message: expect.stringMatching(/^Not run/), extensions: { code: 'ROLLED_BACK' } });
    expect(await t.em().count(Institution, {})).toBe(before);
  });

  it('commits a request whose mutations all succeed', async () => {
    const res = await editor.raw(
      `mutation {
        a: createInstitution(input: { name: "BLK Partial A", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 10 }) { id }
        b: createInstitution(input: { name: "BLK Partial B", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 10 }) { id }
      }`,
    );
    expect(res.errors).toBeUndefined();
    expect(await t.em().count(Institution, { name: { $in: ['BLK Partial A', 'BLK Partial B'] } })).toBe(2);
  });
});
