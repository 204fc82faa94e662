/** Accounts, ministries and destination countries: who manages what, four ways each. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/shared/global-id';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let platform: Client, perinAdmin: Client, perinEditor: Client, kp2miEditor: Client, anon: Client;
const mid = async (code: string) => toGlobalId('Ministry', (await t.ministry(code)).id);
let n = 0;
const email = () => `person${++n}@test.local`;

beforeAll(async () => {
  t = await startTestApp();
  [platform, perinAdmin, perinEditor, kp2miEditor] = await Promise.all([t.as(Role.PLATFORM_ADMIN, null), t.as(Role.ADMIN, 'KEMENPERIN'), t.as(Role.EDITOR, 'KEMENPERIN'), t.as(Role.EDITOR, 'KP2MI')]);
  anon = t.anonymous();
});
afterAll(() => t.close());

describe('accounts', () => {
  it('a PLATFORM_ADMIN creates any account; a ministry ADMIN only staff of its own ministry', async () => {
    const auditor = expectOk(await platform.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'Inspektorat', password: 'correct-horse-battery', role: 'AUDITOR' } })).createAccount;
    expect(auditor).toMatchObject({ role: 'AUDITOR', ministry: null, active: true });
    const staff = expectOk(await perinAdmin.exec(ops.CreateAccountDocument, { input: { email: email().toUpperCase(), displayName: 'Staf', password: 'correct-horse-battery', role: 'EDITOR' } })).createAccount;
    expect(staff).toMatchObject({ role: 'EDITOR', ministry: { code: 'KEMENPERIN' } });
    expect(staff.email).toBe(staff.email.toLowerCase());
    const login = await t.anonymous().exec(ops.LoginDocument, { email: staff.email, password: 'correct-horse-battery' });
    expect(expectOk(login).login.account.role).toBe('EDITOR');
  });

  it('refuses bad input naming the field, and duplicates as CONFLICT', async () => {
    expectError(await platform.exec(ops.CreateAccountDocument, { input: { email: 'not-mail', displayName: 'X Y', password: 'correct-horse-battery', role: 'VIEWER', ministryId: await mid('KKP') } }), 'BAD_USER_INPUT', 'input.email');
    expectError(await platform.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'short', role: 'VIEWER', ministryId: await mid('KKP') } }), 'BAD_USER_INPUT', 'input.password');
    expectError(await platform.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'VIEWER' } }), 'BAD_USER_INPUT', 'input.ministryId');
    expectError(await platform.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'AUDITOR', ministryId: await mid('KKP') } }), 'BAD_USER_INPUT', 'input.ministryId');
    const dup = perinEditor.account!.email;
    expectError(await platform.exec(ops.CreateAccountDocument, { input: { email: dup, displayName: 'X Y', password: 'correct-horse-battery', role: 'VIEWER', ministryId: await mid('KKP') } }), 'CONFLICT');
  });

  it('FORBIDDEN: a ministry ADMIN granting other roles or other ministries, an EDITOR at all; UNAUTHENTICATED anonymous', async () => {
    expectError(await perinAdmin.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'PLATFORM_ADMIN' } }), 'FORBIDDEN');
    expectError(await perinAdmin.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'ADMIN', ministryId: await mid('KKP') } }), 'FORBIDDEN');
    expectError(await perinEditor.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'VIEWER' } }), 'FORBIDDEN');
    expectError(await anon.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'VIEWER' } }), 'UNAUTHENTICATED');
  });

  it('a ministry ADMIN lists only its own ministry\'s accounts', async () => {
    const list = expectOk(await perinAdmin.exec(ops.AccountsDocument, {})).accounts;
    expect(list.edges.every((e) => e.node.ministry?.code === 'KEMENPERIN')).toBe(true);
    expect(expectOk(await platform.exec(ops.AccountsDocument, {})).accounts.totalCount).toBeGreaterThan(list.totalCount);
  });

  it('deactivation and role changes apply to the very next request, tokens included', async () => {
    const victim = await t.as(Role.EDITOR, 'KEMENPERIN');
    const id = toGlobalId('Account', victim.account!.id);
    expect(expectOk(await victim.exec(ops.ViewerDocument, {})).viewer?.role).toBe('EDITOR');
    expectOk(await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id, role: 'VIEWER' } }));
    // The token still says EDITOR: it no longer matches the account, so it identifies no one.
    expectError(await victim.exec(ops.ViewerDocument, {}), 'UNAUTHENTICATED');
    const other = await t.as(Role.VIEWER, 'KEMENPERIN');
    expectOk(await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id: toGlobalId('Account', other.account!.id), active: false } }));
    expectError(await other.exec(ops.InstitutionsDocument, {}), 'UNAUTHENTICATED');
  });

  it('update refuses bad input, self-lockout, foreign accounts and non-managers', async () => {
    const self = toGlobalId('Account', perinAdmin.account!.id);
    expectError(await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id: self, active: false } }), 'BAD_USER_INPUT', 'input.active');
    expectError(await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id: self, password: 'short' } }), 'BAD_USER_INPUT', 'input.password');
    expectError(await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id: toGlobalId('Account', kp2miEditor.account!.id), displayName: 'Mine now' } }), 'FORBIDDEN', 'input.id');
    expectError(await perinEditor.exec(ops.UpdateAccountDocument, { input: { id: self, displayName: 'X' } }), 'FORBIDDEN');
    expectError(await anon.exec(ops.UpdateAccountDocument, { input: { id: self, displayName: 'X' } }), 'UNAUTHENTICATED');
  });
});

describe('ministries (PLATFORM_ADMIN)', () => {
  it('adds a partner as a row and renames it', async () => {
    const created = expectOk(await platform.exec(ops.CreateMinistryDocument, { input: { code: 'KEMENDAG', name: 'Kementerian Perdagangan', nameEn: 'Ministry of Trade' } })).createMinistry;
    expect(created).toMatchObject({ code: 'KEMENDAG', isCoordinator: false });
    expect(expectOk(await platform.exec(ops.UpdateMinistryDocument, { input: { id: created.id, nameEn: 'Ministry of Trade (RI)' } })).updateMinistry.nameEn).toBe('Ministry of Trade (RI)');
  });

  it('refuses bad codes, duplicates, ministry staff and anonymous callers', async () => {
    expectError(await platform.exec(ops.CreateMinistryDocument, { input: { code: 'bad code', name: 'Kementerian X', nameEn: 'Ministry X' } }), 'BAD_USER_INPUT', 'input.code');
    expectError(await platform.exec(ops.CreateMinistryDocument, { input: { code: 'KKP', name: 'Kementerian X', nameEn: 'Ministry X' } }), 'CONFLICT');
    expectError(await platform.exec(ops.UpdateMinistryDocument, { input: { id: await mid('KKP'), code: 'x' } }), 'BAD_USER_INPUT', 'input.code');
    expectError(await perinAdmin.exec(ops.CreateMinistryDocument, { input: { code: 'KEMENX', name: 'Kementerian X', nameEn: 'Ministry X' } }), 'FORBIDDEN');
    expectError(await perinAdmin.exec(ops.UpdateMinistryDocument, { input: { id: await mid('KKP'), nameEn: 'Hijacked' } }), 'FORBIDDEN');
    expectError(await anon.exec(ops.UpdateMinistryDocument, { input: { id: await mid('KKP'), nameEn: 'Hijacked' } }), 'UNAUTHENTICATED');
  });
});

describe('destination countries (KP2MI)', () => {
  it('KP2MI staff add a destination and record a moratorium with its legal basis', async () => {
    const added = expectOk(await kp2miEditor.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'NZ', nameEn: 'New Zealand', nameId: 'Selandia Baru' } })).upsertDestinationCountry;
    expect(added).toMatchObject({ code: 'NZ', moratorium: false });
    const closed = expectOk(await kp2miEditor.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'NZ', nameEn: 'New Zealand', nameId: 'Selandia Baru', moratorium: true, moratoriumBasis: 'Kepmen test 1/2026', moratoriumSince: '2026-01-01' } })).upsertDestinationCountry;
    expect(closed).toMatchObject({ moratorium: true, moratoriumBasis: 'Kepmen test 1/2026', moratoriumSince: '2026-01-01' });
  });

  it('refuses a moratorium without basis, other ministries and anonymous callers', async () => {
    expectError(await kp2miEditor.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'NZ', nameEn: 'New Zealand', nameId: 'Selandia Baru', moratorium: true } }), 'BAD_USER_INPUT', 'input.moratoriumBasis');
    expectError(await kp2miEditor.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'nz', nameEn: 'New Zealand', nameId: 'Selandia Baru' } }), 'BAD_USER_INPUT', 'input.code');
    expectError(await perinEditor.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'NZ', nameEn: 'New Zealand', nameId: 'Selandia Baru' } }), 'FORBIDDEN');
    expectError(await anon.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'NZ', nameEn: 'New Zealand', nameId: 'Selandia Baru' } }), 'UNAUTHENTICATED');
  });
});
