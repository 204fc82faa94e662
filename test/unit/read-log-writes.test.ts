/**
 * Which operations may write the personal-data read log (and so must run on
 * the primary, never a read replica): decided from the document and the
 * variables' values, through fragments, literals and variables alike.
 */
import 'reflect-metadata';
import { parse, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAppSchema } from '../../src/graphql/schema';
import { mayWriteReadLog } from '../../src/modules/personal-data/read-log-writes';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema();
});

const writes = (source: string, variables?: Record<string, unknown>) => mayWriteReadLog(schema, parse(source), variables);

describe('mayWriteReadLog', () => {
  it('is false for reads that touch no personal value', () => {
    expect(writes('{ institutions(first: 5) { totalCount edges { node { name ownerMinistry { code } } } } }')).toBe(false);
    expect(writes('{ trainees(first: 5) { totalCount edges { cursor node { fullName status } } } }')).toBe(false);
    expect(writes('{ institutionsCsv }')).toBe(false);
    expect(writes('query($f: TraineeFilter) { trainees(filter: $f) { totalCount } }', { f: { status: 'REGISTERED' } })).toBe(false);
    expect(writes('query($f: TraineeFilter) { trainees(filter: $f) { totalCount } }', {})).toBe(false);
    expect(writes('{ trainees(orderBy: { field: FULL_NAME }) { totalCount } }')).toBe(false);
  });

  it('is true for a personal field, however it is reached', () => {
    expect(writes('{ trainees(first: 5) { edges { node { nik } } } }')).toBe(true);
    expect(writes('{ returneeBusinesses(first: 5) { edges { node { returneeNik } } } }')).toBe(true);
    expect(writes('query($id: ID!) { node(id: $id) { ...T } } fragment T on Trainee { birthDate }')).toBe(true);
    expect(writes('query($id: ID!) { node(id: $id) { ... on Trainee { phone } } }')).toBe(true);
    expect(writes('{ a: trainees(first: 1) { edges { node { b: email } } } }')).toBe(true);
  });

  it('is true for an export of a resource with personal fields', () => {
    expect(writes('{ traineesCsv }')).toBe(true);
  });

  it('is true for a filter or a sort by a personal value, as a literal or in a variable', () => {
    expect(writes('{ trainees(filter: { nik: "3578010101900001" }) { totalCount } }')).toBe(true);
    expect(writes('query($f: TraineeFilter) { trainees(filter: $f) { totalCount } }', { f: { nik: '3578010101900001' } })).toBe(true);
    expect(writes('query($n: String) { trainees(filter: { nik: $n }) { totalCount } }', { n: '3578010101900001' })).toBe(true);
    expect(writes('{ trainees(orderBy: { field: BIRTH_DATE }) { totalCount } }')).toBe(true);
    expect(writes('query($o: TraineeOrder) { trainees(orderBy: $o) { totalCount } }', { o: { field: 'BIRTH_DATE' } })).toBe(true);
  });

  it('walks every operation and fragment of the document, not only the one that runs', () => {
    expect(writes('query A { institutions(first: 1) { totalCount } } query B { trainees(first: 1) { edges { node { address } } } }')).toBe(true);
  });
});
