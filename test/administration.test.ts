/** Accounts, ministries and destination countries: who manages what, four ways each. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
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
  [platform, perinAdmin, perinEditor, kp2miEditor] = await Promise.all([
    t.as(Role.PLATFORM_ADMIN, null),
    t.as(Role.ADMIN, 'KEMENPERIN'),
    t.as(Role.EDITOR, 'KEMENPERIN'),
    t.as(Role.EDITOR, 'KP2MI'),
  ]);
  anon = t.anonymous();
});
afterAll(() => t.close());

describe('accounts', () => {
  it('a ministry ADMIN creates staff of its own ministry', async () => {
    const staff = expectOk(
      await perinAdmin.exec(ops.CreateAccountDocument, {
        input: { email: email().toUpperCase(), displayName: 'Staf', password: 'correct-horse-battery', role: 'EDITOR' },
      }),
    ).createAccount;
    expect(staff).toMatchObject({ role: 'EDITOR', ministry: { code: 'KEMENPERIN' } });
    expect(staff.email).toBe(staff.email.toLowerCase());
    const login = await t.anonymous().exec(ops.LoginDocument, { email: staff.email, password: 'correct-horse-battery' });
    expect(expectOk(login).login.account.role).toBe('EDITOR');
  });

  it('refuses bad input naming the field; an e-mail in use anywhere answers like any refused e-mail', async () => {
    const invalid = await platform.exec(ops.CreateAccountDocument, {
      input: { email: 'not-mail', displayName: 'X Y', password: 'correct-horse-battery', role: 'ADMIN', ministryId: await mid('KKP') },
    });
    expectError(invalid, 'BAD_USER_INPUT', 'input.email');
    expectError(
      await platform.exec(ops.CreateAccountDocument, {
        input: { email: email(), displayName: 'X Y', password: 'short', role: 'ADMIN', ministryId: await mid('KKP') },
      }),
      'BAD_USER_INPUT',
      'input.password',
    );
    // Long enough is not enough (NIST SP 800-63B): common passwords, repeats and the account's own words are refused.
    for (const weak of ['password1234567', 'aaaaaaaaaaaa', '123456789012', 'qwertyuiop1234'])
      expectError(
        await platform.exec(ops.CreateAccountDocument, {
          input: { email: email(), displayName: 'X Y', password: weak, role: 'ADMIN', ministryId: await mid('KKP') },
        }),
        'BAD_USER_INPUT',
        'input.password',
      );
    expectError(
      await platform.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'ADMIN' } }),
      'BAD_USER_INPUT',
      'input.ministryId',
    );
    // Taken in another ministry (by a PLATFORM_ADMIN) or in one's own: the same answer as an invalid address.
    const fromPlatform = await platform.exec(ops.CreateAccountDocument, {
      input: { email: perinEditor.account!.email, displayName: 'X Y', password: 'correct-horse-battery', role: 'ADMIN', ministryId: await mid('KKP') },
    });
    const fromKp2mi = await (
      await t.as(Role.ADMIN, 'KP2MI')
    ).exec(ops.CreateAccountDocument, { input: { email: perinEditor.account!.email, displayName: 'X Y', password: 'correct-horse-battery', role: 'VIEWER' } });
    for (const res of [fromPlatform, fromKp2mi]) expect(res.errors).toEqual(invalid.errors);
  });

  it('FORBIDDEN: a ministry ADMIN granting other roles or other ministries, an EDITOR at all; UNAUTHENTICATED anonymous', async () => {
    expectError(
      await perinAdmin.exec(ops.CreateAccountDocument, {
        input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'PLATFORM_ADMIN' },
      }),
      'FORBIDDEN',
    );
    expectError(
      await perinAdmin.exec(ops.CreateAccountDocument, {
        input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'ADMIN', ministryId: await mid('KKP') },
      }),
      'FORBIDDEN',
    );
    expectError(
      await perinEditor.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'VIEWER' } }),
      'FORBIDDEN',
    );
    expectError(
      await anon.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'VIEWER' } }),
      'UNAUTHENTICATED',
    );
  });

  it("a ministry ADMIN lists only its own ministry's accounts", async () => {
    const list = expectOk(await perinAdmin.exec(ops.AccountsDocument, {})).accounts;
    expect(list.edges.every((e) => e.node.ministry?.code === 'KEMENPERIN')).toBe(true);
    expect(expectOk(await platform.exec(ops.AccountsDocument, {})).accounts.totalCount).toBeGreaterThan(list.totalCount);
  });

  it('deactivation and role changes apply to the very next request, tokens included', async () => {
    const victim = await t.as(Role.EDITOR, 'KEMENPERIN');
    const id = toGlobalId('Account', victim.account!.id);
    expect(expectOk(await victim.exec(ops.ViewerDocument, {})).viewer?.role).toBe('EDITOR');
    expectOk(await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id, role: 'VIEWER' } }));
    // The change ended the account's sessions: the old token identifies no one.
    expectError(await victim.exec(ops.ViewerDocument, {}), 'UNAUTHENTICATED');
    const other = await t.as(Role.VIEWER, 'KEMENPERIN');
    expectOk(await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id: toGlobalId('Account', other.account!.id), active: false } }));
    expectError(await other.exec(ops.InstitutionsDocument, {}), 'UNAUTHENTICATED');
  });

  it('update refuses bad input, self-lockout, foreign accounts and non-managers', async () => {
    const self = toGlobalId('Account', perinAdmin.account!.id);
    expectError(await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id: self, active: false } }), 'BAD_USER_INPUT', 'input.active');
    expectError(await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id: self, password: 'short' } }), 'BAD_USER_INPUT', 'input.password');
    expectError(
      await perinAdmin.exec(ops.UpdateAccountDocument, { input: { id: toGlobalId('Account', kp2miEditor.account!.id), displayName: 'Mine now' } }),
      'FORBIDDEN',
      'input.id',
    );
    expectError(await perinEditor.exec(ops.UpdateAccountDocument, { input: { id: self, displayName: 'X' } }), 'FORBIDDEN');
    expectError(await anon.exec(ops.UpdateAccountDocument, { input: { id: self, displayName: 'X' } }), 'UNAUTHENTICATED');
  });
});

describe('separation of duties: no one account both creates an identity in a ministry and reads with it', () => {
  const newAdmin = async (code: string) => ({
    email: email(),
    displayName: 'Admin baru',
    password: 'correct-horse-battery',
    role: 'ADMIN' as never,
    ministryId: await mid(code),
  });
  const loginAs = async (input: { email: string; password: string }) => t.withToken(expectOk(await t.anonymous().exec(ops.LoginDocument, input)).login.token);

  it('a PLATFORM_ADMIN creates ministry ADMINs only: never VIEWERs, EDITORs, auditors or platform admins', async () => {
    for (const role of ['VIEWER', 'EDITOR', 'AUDITOR', 'PLATFORM_ADMIN'] as const) {
      const res = await platform.exec(ops.CreateAccountDocument, {
        input: {
          email: email(),
          displayName: 'X Y',
          password: 'correct-horse-battery',
          role,
          ministryId: role === 'VIEWER' || role === 'EDITOR' ? await mid('KP2MI') : null,
        },
      });
      expectError(res, 'FORBIDDEN', 'input.role');
    }
    // Nor a ministry ADMIN another ADMIN: ADMINs come from a PLATFORM_ADMIN and are approved in the ministry.
    expectError(
      await perinAdmin.exec(ops.CreateAccountDocument, { input: { email: email(), displayName: 'X Y', password: 'correct-horse-battery', role: 'ADMIN' } }),
      'FORBIDDEN',
      'input.role',
    );
  });

  it('an ADMIN for a ministry that has one stays pending: it logs in and reads its own account, nothing else, until approved', async () => {
    const input = await newAdmin('KEMENPERIN');
    const created = expectOk(await platform.exec(ops.CreateAccountDocument, { input })).createAccount;
    expect(created).toMatchObject({ role: 'ADMIN', status: 'PENDING_APPROVAL', ministry: { code: 'KEMENPERIN' } });
    const pending = await loginAs(input);
    expect(expectOk(await pending.exec(ops.ViewerDocument, {})).viewer).toMatchObject({ email: input.email, status: 'PENDING_APPROVAL' });
    for (const res of [
      await pending.exec(ops.InstitutionsDocument, {}),
      await pending.exec(ops.TraineesDocument, {}),
      await pending.exec(ops.AccountsDocument, {}),
    ]) {
      expectError(res, 'FORBIDDEN');
      expect(res.errors![0].extensions?.rule).toBe('account:pending-approval');
    }
    expectError(await pending.exec(ops.ApproveAccountDocument, { id: created.id }), 'FORBIDDEN');

    // Approval: an ADMIN of that ministry, nobody else.
    expectError(await (await t.as(Role.ADMIN, 'KP2MI')).exec(ops.ApproveAccountDocument, { id: created.id }), 'FORBIDDEN', 'id');
    expectError(await perinEditor.exec(ops.ApproveAccountDocument, { id: created.id }), 'FORBIDDEN');
    expectError(await platform.exec(ops.ApproveAccountDocument, { id: created.id }), 'FORBIDDEN');
    expectError(await anon.exec(ops.ApproveAccountDocument, { id: created.id }), 'UNAUTHENTICATED');
    expectError(await perinAdmin.exec(ops.ApproveAccountDocument, { id: 'not-an-id' }), 'BAD_USER_INPUT', 'id');
    const approved = expectOk(await perinAdmin.exec(ops.ApproveAccountDocument, { id: created.id })).approveAccount;
    expect(approved).toMatchObject({ status: 'ACTIVE', ministry: { code: 'KEMENPERIN' } });
    expect(approved.approvedAt).toBeTruthy();
    expectOk(await pending.exec(ops.InstitutionsDocument, {}));
    expectError(await perinAdmin.exec(ops.ApproveAccountDocument, { id: created.id }), 'FORBIDDEN', 'id');
  });

  it("the attack of issue 8: a platform admin's own account in KP2MI reads no KP2MI or shared personal data", async () => {
    expectError(
      await platform.exec(ops.CreateAccountDocument, {
        input: { email: email(), displayName: 'Sock puppet', password: 'correct-horse-battery', role: 'EDITOR', ministryId: await mid('KP2MI') },
      }),
      'FORBIDDEN',
      'input.role',
    );
    await t.as(Role.ADMIN, 'KP2MI');
    const input = await newAdmin('KP2MI');
    expectOk(await platform.exec(ops.CreateAccountDocument, { input }));
    const puppet = await loginAs(input);
    expectError(await puppet.exec(ops.TraineesDocument, {}), 'FORBIDDEN');
    expectError(await puppet.exec(ops.ExplainAccessDocument, { id: toGlobalId('Ministry', 'x') }), 'FORBIDDEN');
  });

  it("a ministry's first ADMIN is active at once, and the audit trail says it was bootstrapped", async () => {
    const ministry = expectOk(
      await platform.exec(ops.CreateMinistryDocument, { input: { code: 'KEMENSOS', name: 'Kementerian Sosial', nameEn: 'Ministry of Social Affairs' } }),
    ).createMinistry;
    const input = { ...(await newAdmin('KP2MI')), ministryId: ministry.id };
    const first = expectOk(await platform.exec(ops.CreateAccountDocument, { input })).createAccount;
    expect(first.status).toBe('ACTIVE');
    const event = await t.em().findOneOrFail(AuditEvent, { operation: 'createAccount', entityId: Buffer.from(first.id, 'base64url').toString().split(':')[1] });
    expect(event.changes).toContainEqual({ note: { bootstrapFirstAdmin: true, ministryId: Buffer.from(ministry.id, 'base64url').toString().split(':')[1] } });
    const second = expectOk(await platform.exec(ops.CreateAccountDocument, { input: { ...(await newAdmin('KP2MI')), ministryId: ministry.id } })).createAccount;
    expect(second.status).toBe('PENDING_APPROVAL');
  });

  it('a PLATFORM_ADMIN deactivates ministry ADMINs but never sets their password or role', async () => {
    const target = await t.as(Role.ADMIN, 'KKP');
    const id = toGlobalId('Account', target.account!.id);
    expectError(await platform.exec(ops.UpdateAccountDocument, { input: { id, password: 'a-password-i-know' } }), 'FORBIDDEN', 'input.password');
    expectError(await platform.exec(ops.UpdateAccountDocument, { input: { id, role: 'VIEWER' } }), 'FORBIDDEN', 'input.role');
    expectError(
      await platform.exec(ops.UpdateAccountDocument, { input: { id: toGlobalId('Account', perinEditor.account!.id), active: false } }),
      'FORBIDDEN',
      'input.id',
    );
    expect(expectOk(await platform.exec(ops.UpdateAccountDocument, { input: { id, active: false } })).updateAccount.active).toBe(false);
    expectError(await target.exec(ops.ViewerDocument, {}), 'UNAUTHENTICATED');
  });
});

describe('ministries (PLATFORM_ADMIN)', () => {
  it('adds a partner as a row and renames it', async () => {
    const created = expectOk(
      await platform.exec(ops.CreateMinistryDocument, { input: { code: 'KEMENDAG', name: 'Kementerian Perdagangan', nameEn: 'Ministry of Trade' } }),
    ).createMinistry;
    expect(created).toMatchObject({ code: 'KEMENDAG', isCoordinator: false });
    expect(
      expectOk(await platform.exec(ops.UpdateMinistryDocument, { input: { id: created.id, nameEn: 'Ministry of Trade (RI)' } })).updateMinistry.nameEn,
    ).toBe('Ministry of Trade (RI)');
  });

  it('refuses bad codes, duplicates, ministry staff and anonymous callers', async () => {
    expectError(
      await platform.exec(ops.CreateMinistryDocument, { input: { code: 'bad code', name: 'Kementerian X', nameEn: 'Ministry X' } }),
      'BAD_USER_INPUT',
      'input.code',
    );
    expectError(await platform.exec(ops.CreateMinistryDocument, { input: { code: 'KKP', name: 'Kementerian X', nameEn: 'Ministry X' } }), 'CONFLICT');
    expectError(await platform.exec(ops.UpdateMinistryDocument, { input: { id: await mid('KKP'), code: 'x' } }), 'BAD_USER_INPUT', 'input.code');
    expectError(await perinAdmin.exec(ops.CreateMinistryDocument, { input: { code: 'KEMENX', name: 'Kementerian X', nameEn: 'Ministry X' } }), 'FORBIDDEN');
    expectError(await perinAdmin.exec(ops.UpdateMinistryDocument, { input: { id: await mid('KKP'), nameEn: 'Hijacked' } }), 'FORBIDDEN');
    expectError(await anon.exec(ops.UpdateMinistryDocument, { input: { id: await mid('KKP'), nameEn: 'Hijacked' } }), 'UNAUTHENTICATED');
  });
});

describe('destination countries (KP2MI)', () => {
  it('KP2MI staff add a destination and record a moratorium with its legal basis', async () => {
    const added = expectOk(
      await kp2miEditor.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'NZ', nameEn: 'New Zealand', nameId: 'Selandia Baru' } }),
    ).upsertDestinationCountry;
    expect(added).toMatchObject({ code: 'NZ', moratorium: false });
    const closed = expectOk(
      await kp2miEditor.exec(ops.UpsertDestinationCountryDocument, {
        input: {
          code: 'NZ',
          nameEn: 'New Zealand',
          nameId: 'Selandia Baru',
          moratorium: true,
          moratoriumBasis: 'Kepmen test 1/2026',
          moratoriumSince: '2026-01-01',
        },
      }),
    ).upsertDestinationCountry;
    expect(closed).toMatchObject({ moratorium: true, moratoriumBasis: 'Kepmen test 1/2026', moratoriumSince: '2026-01-01' });
  });

  it('refuses a moratorium without basis, other ministries and anonymous callers', async () => {
    expectError(
      await kp2miEditor.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'NZ', nameEn: 'New Zealand', nameId: 'Selandia Baru', moratorium: true } }),
      'BAD_USER_INPUT',
      'input.moratoriumBasis',
    );
    expectError(
      await kp2miEditor.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'nz', nameEn: 'New Zealand', nameId: 'Selandia Baru' } }),
      'BAD_USER_INPUT',
      'input.code',
    );
    expectError(
      await perinEditor.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'NZ', nameEn: 'New Zealand', nameId: 'Selandia Baru' } }),
      'FORBIDDEN',
    );
    expectError(
      await anon.exec(ops.UpsertDestinationCountryDocument, { input: { code: 'NZ', nameEn: 'New Zealand', nameId: 'Selandia Baru' } }),
      'UNAUTHENTICATED',
    );
  });
});
