/**
 * The operator's CLI (`npm run account -- create …`): the first PLATFORM_ADMIN
 * of a production database, audited like any account change, and nothing the
 * API's approval rules keep for ministry ADMINs.
 */
import { randomBytes } from 'node:crypto';
import { AuditKeyMismatch, registerAuditKeyAt } from '../src/modules/audit/audit-key';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { Account } from '../src/modules/account/account.entity';
import { verifyChain } from '../src/modules/audit/audit.chain';
import { sealsWritten } from '../src/modules/audit/audit.writer';
import { CliRefusal, createOperatorAccount } from '../src/modules/account/account-cli';
import { parseArgs } from '../src/cli/account';
import * as ops from './generated/graphql';
import { expectOk } from './support/expect';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const operator = {
  get auditKey() {
    return t.config.auditKey;
  },
  operator: 'ops-user',
};
const events = () => t.em().count(AuditEvent, {});

describe('npm run account -- create', () => {
  it('creates a PLATFORM_ADMIN who can log in, with one audit event that names the operator and hides the password', async () => {
    const before = await events();
    const made = await createOperatorAccount(
      t.adminOrm,
      { email: ' First.Admin@Example.go.id ', role: 'PLATFORM_ADMIN', password: 'a-long-password-1' },
      operator,
    );
    expect(made).toMatchObject({ email: 'first.admin@example.go.id', role: 'PLATFORM_ADMIN' });
    expect(await events()).toBe(before + 1);
    const login = expectOk(await t.anonymous().exec(ops.LoginDocument, { email: 'first.admin@example.go.id', password: 'a-long-password-1' })).login;
    expect(login.account.role).toBe('PLATFORM_ADMIN');
    const [event] = await t.em().find(AuditEvent, { entityId: made.id });
    expect(event).toMatchObject({ operation: 'createAccount', entityType: 'Account', actorAccountId: null, subjectMinistryId: null });
    expect(JSON.stringify(event.changes)).toContain('"operator":"ops-user"');
    expect(JSON.stringify(event.changes)).not.toContain('a-long-password-1');
    expect(JSON.stringify(event.changes)).not.toMatch(/\$argon2/);
    await sealsWritten();
    expect((await verifyChain(t.em(), t.config.auditKey)).valid).toBe(true);
  });

  it('creates an AUDITOR too, and nothing of a ministry: those accounts go through the API and its approval', async () => {
    await expect(
      createOperatorAccount(t.adminOrm, { email: 'auditor2@example.go.id', role: 'AUDITOR', password: 'a-long-password-2' }, operator),
    ).resolves.toMatchObject({ role: 'AUDITOR' });
    const before = await events();
    for (const role of ['ADMIN', 'EDITOR', 'VIEWER', 'admin', '']) {
      await expect(createOperatorAccount(t.adminOrm, { email: `x-${role}@example.go.id`, role, password: 'a-long-password-3' }, operator)).rejects.toThrow(
        /--role must be one of PLATFORM_ADMIN, AUDITOR/,
      );
    }
    expect(await events()).toBe(before);
  });

  it('refuses bad input with the option at fault, and writes nothing', async () => {
    const accounts = await t.em().count(Account, {});
    const before = await events();
    const refusals: [Parameters<typeof createOperatorAccount>[1], RegExp][] = [
      [{ email: 'not-an-address', role: 'PLATFORM_ADMIN', password: 'a-long-password-4' }, /--email/],
      [{ email: 'short@example.go.id', role: 'PLATFORM_ADMIN', password: 'short' }, /password must be 12 to 200/],
      [{ email: 'name@example.go.id', role: 'PLATFORM_ADMIN', displayName: 'x', password: 'a-long-password-4' }, /--name/],
      [{ email: 'FIRST.ADMIN@example.go.id', role: 'PLATFORM_ADMIN', password: 'a-long-password-4' }, /exists already/],
      // The API's input guard and password policy hold here too (NIST SP 800-63B: length and a list of common ones).
      [{ email: 'ops\u202E@example.go.id', role: 'PLATFORM_ADMIN', password: 'a-long-password-4' }, /--email contains bidirectional-override/],
      [{ email: 'ops@example.go.id', role: 'PLATFORM_ADMIN', displayName: 'Ops\u0007', password: 'a-long-password-4' }, /--name contains control/],
      [{ email: 'weak1@example.go.id', role: 'PLATFORM_ADMIN', password: 'aaaaaaaaaaaa' }, /too easy to guess/],
      [{ email: 'weak2@example.go.id', role: 'PLATFORM_ADMIN', password: 'password1234567' }, /too easy to guess/],
      [{ email: 'weak3@example.go.id', role: 'PLATFORM_ADMIN', password: 'weak3@example.go.id' }, /too easy to guess/],
    ];
    for (const [input, message] of refusals) {
      const err = await createOperatorAccount(t.adminOrm, input, operator).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CliRefusal);
      expect((err as Error).message).toMatch(message);
    }
    expect(await t.em().count(Account, {})).toBe(accounts);
    expect(await events()).toBe(before);
  });

  it("is refused to the app role: the app's database password does not make a platform admin", async () => {
    const err = await createOperatorAccount(t.orm, { email: 'insider@example.go.id', role: 'PLATFORM_ADMIN', password: 'a-long-password-5' }, operator).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(CliRefusal);
    expect(await t.em().count(Account, { email: 'insider@example.go.id' })).toBe(0);
  });

  it('never takes the password as an argument, and refuses unknown or repeated options', () => {
    expect(() => parseArgs(['create', '--password', 'a-long-password-6'])).toThrow(/never an argument/);
    expect(() => parseArgs(['create', '--role', 'AUDITOR', '--role', 'PLATFORM_ADMIN'])).toThrow(CliRefusal);
    expect(() => parseArgs(['create', '--ministry', 'KP2MI'])).toThrow(CliRefusal);
    expect(() => parseArgs(['create', '--email'])).toThrow(CliRefusal);
    expect(parseArgs(['create', '--role', 'AUDITOR', '--email', 'a@b.go.id', '--name', 'Inspektorat'])).toEqual({
      command: 'create',
      options: { role: 'AUDITOR', email: 'a@b.go.id', name: 'Inspektorat' },
    });
  });

  it('refuses to write with an audit key other than the one that started the chain (the development key against production data)', async () => {
    await expect(registerAuditKeyAt(t.databaseUrl, randomBytes(32).toString('base64'))).rejects.toBeInstanceOf(AuditKeyMismatch);
    // The key the chain was started with is accepted, as often as asked.
    await registerAuditKeyAt(t.databaseUrl, t.config.auditKey);
    await registerAuditKeyAt(t.databaseUrl, t.config.auditKey);
  });
});
