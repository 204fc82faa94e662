/**
 * Operations run on graphql-jit from their second request (graphql/jit-executor.ts).
 * A compiled operation must answer exactly as graphql-js did the first time:
 * data, masking, errors with their codes and fields. Mutations, and queries
 * with input-object variables, stay on graphql-js, where input defaults and
 * "left out" versus null keep their meaning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { ResourceType } from '../src/shared/enums';
import { executions } from '../src/graphql/jit-executor';
import { toGlobalId } from '../src/shared/global-id';
import { ministryWorld, signedMou } from './support/factories';
import { startTestApp, type Client, type TestApp } from './support/test-app';
import * as ops from './generated/graphql';
import type { GraphQLObjectType } from 'graphql';
import { expectOk } from './support/expect';

let t: TestApp;
let owner: Client;
let partner: Client;
let traineeId: string;
let ownerMinistryId: string;
beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [kemnaker, kesdm] = [await t.ministry('KEMNAKER'), await t.ministry('KESDM')];
  const world = await ministryWorld(em, kemnaker);
  await ministryWorld(em, kesdm);
  // KESDM reads KEMNAKER's trainees, without their personal data (masked).
  await signedMou(em, kemnaker, kesdm, [{ provider: kemnaker, recipient: kesdm, resources: [ResourceType.TRAINEE, ResourceType.ENROLLMENT] }]);
  traineeId = toGlobalId('Trainee', world.trainee.id);
  ownerMinistryId = toGlobalId('Ministry', kemnaker.id);
  owner = await t.as(Role.EDITOR, 'KEMNAKER');
  partner = await t.as(Role.VIEWER, 'KESDM');
});
afterAll(() => t.close());

/** The same request three times: graphql-js, then compiled, then compiled again. */
async function thrice(c: Client, source: string, variables?: Record<string, unknown>) {
  const before = { ...executions };
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const { data, errors } = await c.raw(source, variables);
    // Sealed cursors differ on every request (a fresh nonce each); what they open to is tested elsewhere.
    runs.push(JSON.stringify({ data, errors }).replace(/"(cursor|startCursor|endCursor)":"[^"]+"/g, '"$1":"sealed"'));
  }
  return { runs, compiled: executions.compiled - before.compiled, interpreted: executions.interpreted - before.interpreted };
}

describe('compiled execution', () => {
  const reads: [string, () => Client, string][] = [
    [
      'a nested list with counts',
      () => owner,
      '{ institutions(first: 5) { totalCount edges { cursor node { id name ownerMinistry { code } programs(first: 2) { totalCount edges { node { id title enrollments { totalCount } } } } } } pageInfo { hasNextPage endCursor } } }',
    ],
    ['personal fields in full (owner)', () => owner, '{ trainees(first: 10) { edges { node { id nik birthDate phone fullName } } } }'],
    [
      'personal fields masked (partner under a clause without personal data)',
      () => partner,
      '{ trainees(first: 10) { edges { node { id nik birthDate fullName } } } }',
    ],
    [
      'a node through the interface, with its relations',
      () => partner,
      `{ node(id: "TRAINEE") { __typename id ... on Trainee { nik enrollments { edges { node { status program { title } } } } } } }`,
    ],
    ['a cursor that is not ours', () => owner, '{ trainees(first: 1, after: "garbage") { edges { node { id } } } }'],
    ['a personal filter the caller sees masked', () => partner, '{ trainees(first: 5, filter: { nik: "3507121204980001" }) { totalCount } }'],
    ['a page size out of bounds', () => owner, '{ institutions(first: 5000) { edges { node { id } } } }'],
    ['anonymous: refused by the shield', () => t.anonymous(), '{ trainees(first: 1) { totalCount } }'],
    ['a VIEWER asking for accounts: refused by the shield', () => partner, '{ accounts(first: 1) { edges { node { id } } } }'],
    ['a VIEWER asking to verify the audit chain: refused by the shield', () => partner, '{ verifyAuditLog { valid } }'],
    [
      'aliases and fragments',
      () => owner,
      '{ a: institutions(first: 1) { ...page } b: institutions(first: 2) { ...page } } fragment page on InstitutionConnection { edges { node { id } } }',
    ],
  ];

  for (const [label, who, source] of reads) {
    it(`answers alike on graphql-js and compiled: ${label}`, async () => {
      const { runs, compiled, interpreted } = await thrice(who(), source.replace('TRAINEE', traineeId));
      expect(runs[1]).toBe(runs[0]);
      expect(runs[2]).toBe(runs[0]);
      expect(interpreted).toBe(1);
      expect(compiled).toBe(2);
      expect(runs[0]).not.toMatch(/stacktrace|INTERNAL_SERVER_ERROR/);
      if (label.includes('shield')) expect(runs[2]).toMatch(/"code":"(UNAUTHENTICATED|FORBIDDEN)"/);
    });
  }

  it("reads a node's global id as a property when compiled, without calling its resolver; graphql-js still calls it", async () => {
    const source =
      '{ institutions(first: 3) { edges { node { id programs(first: 2) { edges { node { id enrollments(first: 2) { edges { node { id trainee { id } } } } } } } } } } }';
    const types = ['Institution', 'Program', 'Enrollment', 'Trainee'];
    const fields = types.map((name) => (t.app.schema.getType(name) as GraphQLObjectType).getFields().id);
    const original = fields.map((f) => f.resolve!);
    const calls = types.map(() => 0);
    const answers = [];
    try {
      // Compiled on its second request, with every id read from the row's getter.
      for (let i = 0; i < 2; i++) answers.push(JSON.stringify(expectOk(await owner.raw(source))));
      fields.forEach((f, i) => {
        f.resolve = (...args) => {
          calls[i]++;
          return original[i](...args);
        };
      });
      const before = executions.compiled;
      answers.push(JSON.stringify(expectOk(await owner.raw(source))));
      expect(executions.compiled).toBe(before + 1);
      expect(calls).toEqual([0, 0, 0, 0]);
      // A document seen for the first time runs on graphql-js, which calls each id's resolver.
      const interpretedBefore = executions.interpreted;
      answers.push(JSON.stringify(expectOk(await owner.raw(`query FirstSeen ${source}`))));
      expect(executions.interpreted).toBe(interpretedBefore + 1);
      expect(
        calls.every((n) => n > 0),
        JSON.stringify({ calls, answer: answers[3] }),
      ).toBe(true);
    } finally {
      fields.forEach((f, i) => (f.resolve = original[i]));
    }
    expect(new Set(answers).size).toBe(1);
    const ids = [...answers[0].matchAll(/"id":"([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids.map((id) => Buffer.from(id, 'base64url').toString().split(':')[0]))).toEqual(new Set(types));
  });

  it('keeps error codes and fields when compiled', async () => {
    const { runs } = await thrice(partner, '{ trainees(first: 5, filter: { nik: "3507121204980001" }) { totalCount } }');
    const errors = JSON.parse(runs[2]).errors as { extensions: { code: string; field?: string } }[];
    expect(errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'filter.nik' });
  });

  it('runs scalar variables compiled once all are given', async () => {
    const source = 'query($n: Int, $id: ID!) { trainees(first: $n) { edges { node { id } } } node(id: $id) { id } }';
    const { runs, compiled } = await thrice(owner, source, { n: 3, id: traineeId });
    expect(new Set(runs).size).toBe(1);
    expect(compiled).toBe(2);
  });

  it('leaves input-object variables, unsent variables and mutations to graphql-js', async () => {
    const filtered = await thrice(owner, 'query($f: TraineeFilter) { trainees(first: 5, filter: $f) { totalCount } }', { f: { ownerMinistryId } });
    expect(filtered.compiled).toBe(0);
    const unsent = await thrice(owner, 'query($n: Int) { trainees(first: $n) { totalCount } }');
    expect(unsent.compiled).toBe(0);
    const before = executions.compiled;
    for (const name of ['One', 'Two', 'Three']) {
      // Input defaults apply (linkAndMatch and pmiPreparation are left out): graphql-jit would refuse them.
      const res = await owner.exec(ops.CreateInstitutionDocument, { input: { name, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } });
      expect(res.errors).toBeUndefined();
    }
    expect(executions.compiled).toBe(before);
  });
});
