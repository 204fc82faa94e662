/** Logging in, the viewer, tokens, and what anonymous callers get. */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../src/access/tokens';
import { Account } from '../src/modules/account/account.entity';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import { Role, startTestApp, TEST_PASSWORD, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('login', () => {
  it('returns a token that identifies the account, its ministry and role', async () => {
    const staff = await t.as(Role.EDITOR, 'KESDM');
    const login = expectOk(await t.anonymous().exec(ops.LoginDocument, { email: staff.account!.email, password: TEST_PASSWORD })).login;
    expect(login.account).toEqual({ email: staff.account!.email, role: 'EDITOR', ministry: { code: 'KESDM' } });
    const viewer = expectOk(await t.withToken(login.token).exec(ops.ViewerDocument, {})).viewer;
    expect(viewer).toMatchObject({ email: staff.account!.email, role: 'EDITOR', ministry: { code: 'KESDM' } });
  });

  it('answers a wrong password and an unknown e-mail the same way', async () => {
    const staff = await t.as(Role.VIEWER, 'KESDM');
    const wrong = await t.anonymous().exec(ops.LoginDocument, { email: staff.account!.email, password: 'nope' });
    const unknown = await t.anonymous().exec(ops.LoginDocument, { email: 'nobody@nowhere.test', password: 'nope' });
    expectError(wrong, 'UNAUTHENTICATED');
    expect(wrong.errors).toEqual(unknown.errors);
    expect(wrong.data).toEqual(unknown.data);
  });

  it('refuses a deactivated account', async () => {
    const staff = await t.as(Role.VIEWER, 'KESDM');
    await t.em().nativeUpdate(Account, { id: staff.account!.id }, { active: false });
    expectError(await t.anonymous().exec(ops.LoginDocument, { email: staff.account!.email, password: TEST_PASSWORD }), 'UNAUTHENTICATED');
  });

  it('works for auditors and platform admins, who belong to no ministry', async () => {
    const auditor = await t.as(Role.AUDITOR, null);
    const viewer = expectOk(await auditor.exec(ops.ViewerDocument, {})).viewer;
    expect(viewer).toMatchObject({ role: 'AUDITOR', ministry: null });
  });
});

describe('anonymous and bad tokens', () => {
  it('anonymous callers get UNAUTHENTICATED for everything but login', async () => {
    const anon = t.anonymous();
    expectError(await anon.exec(ops.ViewerDocument), 'UNAUTHENTICATED');
    expectError(await anon.exec(ops.MinistriesDocument), 'UNAUTHENTICATED');
    expectError(await anon.exec(ops.DestinationCountriesDocument), 'UNAUTHENTICATED');
    expectError(await anon.exec(ops.InstitutionsDocument), 'UNAUTHENTICATED');
    expectError(await anon.exec(ops.MousDocument), 'UNAUTHENTICATED');
    expectError(await anon.exec(ops.NodeDocument, { id: 'x' }), 'UNAUTHENTICATED');
  });

  it('a token signed with another secret, or expired, counts as anonymous', async () => {
    const staff = await t.as(Role.ADMIN, 'KESDM');
    const forged = await new SignJWT({ role: 'ADMIN', ministryId: null })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(staff.account!.id)
      .setIssuer('sinergi')
      .setAudience('sinergi-api')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('guessed-secret'));
    expectError(await t.withToken(forged).exec(ops.ViewerDocument, {}), 'UNAUTHENTICATED');
    const [, payload] = staff.token!.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = staff.token!.replace(payload, Buffer.from(JSON.stringify({ ...claims, role: 'PLATFORM_ADMIN' })).toString('base64url'));
    expectError(await t.withToken(tampered).exec(ops.ViewerDocument, {}), 'UNAUTHENTICATED');
  });

  it('a session whose id or secret is not what the database issued identifies nobody, whatever characters it holds', async () => {
    // Signed with the real key (an insider who has it): the session itself is still checked by the database,
    // and the scope statement travels as literal SQL with BEGIN, so quotes and backslashes must stay data.
    const staff = await t.as(Role.ADMIN, 'KESDM');
    const [, payload] = staff.token!.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string; sid: string; sst: string };
    const sign = (sessionId: string, secret: string) => t.app.tokens.sign({ accountId: claims.sub, ministryId: null, role: Role.ADMIN, sessionId, secret });
    for (const [sessionId, secret] of [
      [claims.sid, `${claims.sst}'`],
      [claims.sid, "x'); select set_config('sinergi.read_all', 'true', true); --"],
      [claims.sid, "\\'; commit; --"],
      ["00000000-0000-0000-0000-000000000000' or true --", claims.sst],
      ['not-a-uuid', claims.sst],
    ]) {
      expectError(await t.withToken(await sign(sessionId, secret)).exec(ops.ViewerDocument, {}), 'UNAUTHENTICATED');
    }
    // The genuine pair still works.
    expect(expectOk(await t.withToken(await sign(claims.sid, claims.sst)).exec(ops.ViewerDocument, {})).viewer).toBeTruthy();
  });

  it('an expired token counts as anonymous', async () => {
    const tokens = new TokenService('x', '1h', '1s');
    const expired = await tokens.sign({ accountId: 'a', ministryId: null, role: Role.AUDITOR, sessionId: 's', secret: 'x' });
    await new Promise((r) => setTimeout(r, 2100));
    expect(await tokens.verify(expired)).toBeNull();
    expect(await tokens.check(expired)).toBe('expired');
  });
});

describe('reference data', () => {
  it('every authenticated caller reads the 13 ministries and the destination countries with moratoria', async () => {
    const auditor = await t.as(Role.AUDITOR, null);
    const ministries = expectOk(await auditor.exec(ops.MinistriesDocument, { first: 50 })).ministries;
    expect(ministries.totalCount).toBe(13);
    expect(ministries.edges.filter((e) => e.node.isCoordinator).map((e) => e.node.code)).toEqual(['KP2MI']);
    const closed = expectOk(await auditor.exec(ops.DestinationCountriesDocument, { moratorium: true })).destinationCountries;
    expect(closed.edges.map((e) => e.node.code)).toContain('SA');
    expect(closed.edges.every((e) => e.node.moratoriumBasis?.includes('260/2015'))).toBe(true);
    const focus = expectOk(await auditor.exec(ops.DestinationCountriesDocument, { isFocus: true })).destinationCountries;
    expect(focus.edges.map((e) => e.node.code).sort()).toEqual(['CA', 'CO', 'DE', 'JP', 'KR', 'NL', 'TW', 'US']);
  });
});
