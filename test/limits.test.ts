/** Query depth and cost limits, and the failed-login limit. */
import 'reflect-metadata';
import { getIntrospectionQuery, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COMPLEXITY, MAX_DEPTH } from '../src/shared/query-limits';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import { Role, startTestApp, TEST_PASSWORD, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let viewer: Client;
beforeAll(async () => {
  t = await startTestApp();
  viewer = await t.as(Role.VIEWER, 'KEMNAKER');
});
afterAll(() => t.close());

describe('query limits', () => {
  it('GraphiQL\'s introspection query passes the limits', async () => {
    const res = await viewer.exec(parse(getIntrospectionQuery()) as never, {});
    expect(res.errors).toBeUndefined();
  });

  it('refuses a query nested deeper than the limit before running it', async () => {
    let q = 'id';
    for (let i = 0; i < MAX_DEPTH; i++) q = `ministry { ${q} }`;
    const res = await viewer.exec(parse(`{ viewer { ${q} } }`) as never, {});
    expectError(res, 'GRAPHQL_VALIDATION_FAILED');
    expect(res.statements).toBe(0);
  });

  it('refuses an operation whose lists multiply beyond the cost limit, before any SQL', async () => {
    const res = await viewer.exec(parse('{ institutions(first: 1000) { edges { node { programs(first: 1000) { edges { node { enrollments(first: 1000) { totalCount } } } } } } } }') as never, {});
    expectError(res, 'BAD_USER_INPUT');
    expect(res.errors![0].extensions).toMatchObject({ maximumComplexity: MAX_COMPLEXITY });
    expect(res.statements).toBe(0);
  });

  it('admits the large but bounded queries clients use (1,000 trainees with their fields)', async () => {
    expectOk(await viewer.exec(ops.TraineesDocument, { first: 1000 }));
    expectOk(await viewer.exec(ops.InstitutionsWithProgramsDocument, { first: 50, programs: 3 }));
  });
});

describe('failed logins', () => {
  it('after 10 failures an address is refused, even with the right password; other addresses are not', async () => {
    const victim = await t.as(Role.EDITOR, 'KEMNAKER');
    const email = victim.account!.email;
    for (let i = 0; i < 10; i++) expectError(await t.anonymous().exec(ops.LoginDocument, { email, password: `wrong-${i}` }), 'UNAUTHENTICATED');
    expectError(await t.anonymous().exec(ops.LoginDocument, { email, password: TEST_PASSWORD }), 'TOO_MANY_REQUESTS');
    expectOk(await t.anonymous().exec(ops.LoginDocument, { email: viewer.account!.email, password: TEST_PASSWORD }));
    // Unknown addresses are counted the same way: a refusal says nothing about whether an account exists.
    for (let i = 0; i < 10; i++) await t.anonymous().exec(ops.LoginDocument, { email: 'nobody@nowhere.test', password: 'x' });
    expectError(await t.anonymous().exec(ops.LoginDocument, { email: 'nobody@nowhere.test', password: 'x' }), 'TOO_MANY_REQUESTS');
  });

  it('a successful login clears the count', async () => {
    const user = await t.as(Role.VIEWER, 'KEMNAKER');
    for (let i = 0; i < 9; i++) await t.anonymous().exec(ops.LoginDocument, { email: user.account!.email, password: 'wrong' });
    expectOk(await t.anonymous().exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD }));
    for (let i = 0; i < 9; i++) await t.anonymous().exec(ops.LoginDocument, { email: user.account!.email, password: 'wrong' });
    expectOk(await t.anonymous().exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD }));
  });
});
