import { describe, expect, it } from 'vitest';
import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { rootSelects, selects } from '../../src/shared/lookahead';

/** The info a resolver of the document's first root field would get. */
function infoOf(document: string) {
  const doc = parse(document);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const root = op!.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
  return { fieldNodes: root, fragments };
}

const path = ['edges', 'node', 'enrollments', 'totalCount'];

describe('lookahead: what is selected below a field', () => {
  it('finds a path written out', () => {
    expect(selects(infoOf('{ programs { edges { node { enrollments { totalCount } } } } }'), path)).toBe(true);
  });

  it('answers false when the last step, or one on the way, is missing', () => {
    expect(selects(infoOf('{ programs { edges { node { enrollments { edges { cursor } } } } } }'), path)).toBe(false);
    expect(selects(infoOf('{ programs { totalCount } }'), path)).toBe(false);
  });

  it('follows aliases, inline fragments and fragment spreads', () => {
    expect(selects(infoOf('{ programs { e: edges { n: node { ... on Program { x: enrollments { c: totalCount } } } } } }'), path)).toBe(true);
    expect(
      selects(infoOf('{ programs { edges { node { ...P } } } } fragment P on Program { ...Q } fragment Q on Program { enrollments { totalCount } }'), path),
    ).toBe(true);
  });

  it('merges the selections of one field asked twice', () => {
    expect(
      selects(infoOf('{ programs { edges { node { enrollments { edges { cursor } } } } } programs { edges { node { enrollments { totalCount } } } } }'), path),
    ).toBe(true);
  });

  it('stops on cycling fragments (an invalid document) instead of looping', () => {
    expect(selects(infoOf('{ programs { edges { node { ...A } } } } fragment A on Program { ...B } fragment B on Program { ...A }'), path)).toBe(false);
  });

  it('answers each field of one parsed document once, and distinguishes paths', () => {
    const info = infoOf('{ programs { edges { node { enrollments { totalCount } } } } }');
    expect(selects(info, path)).toBe(true);
    expect(selects(info, ['edges', 'node', 'trainees', 'totalCount'])).toBe(false);
    expect(selects(info, path)).toBe(true);
  });
});

describe('rootSelects: a root field however it is written', () => {
  const first = (source: string) => {
    const doc = parse(source);
    return [doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!, doc] as const;
  };
  it('finds the field plain, aliased, in an inline fragment and behind a spread, and nothing else', () => {
    for (const source of [
      'mutation { login(email: "a", password: "b") { token } }',
      'mutation { a: login(email: "a", password: "b") { token } }',
      'mutation { ... on Mutation { login(email: "a", password: "b") { token } } }',
      'mutation { ...L } fragment L on Mutation { x: login(email: "a", password: "b") { token } }',
      'mutation { ...A } fragment A on Mutation { ...B } fragment B on Mutation { login(email: "a", password: "b") { token } }',
    ])
      expect(rootSelects(...first(source), 'login'), source).toBe(true);
    expect(rootSelects(...first('mutation { logout } fragment L on Mutation { login(email: "a", password: "b") { token } }'), 'login')).toBe(false);
    expect(rootSelects(...first('{ viewer { login: email } }'), 'login')).toBe(false);
  });
});
