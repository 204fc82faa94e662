/**
 * The operator's way to create the accounts nobody can create through the
 * API: a production database starts with none, and only a PLATFORM_ADMIN
 * creates ministry ADMINs (who then create their staff). So the CLI creates
 * PLATFORM_ADMIN and AUDITOR accounts only, the roles without a ministry:
 * ministry accounts keep going through the API, with its approval by the
 * ministry's own ADMIN.
 *
 * It runs with the owner's connection (whoever holds DATABASE_URL can write
 * any row anyway), in a transaction that appends one audit event like any
 * account change: no actor account, the operator's OS user in a note, the
 * password hash redacted by the audit collector.
 */
import { isEmail } from 'class-validator';
import { hash as argon2Hash } from '@node-rs/argon2';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Role } from '../../access/roles';
import { Scope } from '../../access/scope';
import { beginWith } from '../../db/begin';
import { appendEvent } from '../audit/audit.writer';
import type { EventContent } from '../../data/audit-event';
import { takeChanges } from '../audit/audit.collector';
import { Account } from './account.entity';
import { passwordProblem } from './password-policy';
import { cleanText } from '../../shared/input-guard';

/** The roles the CLI creates: those of no ministry. */
export const CLI_ROLES: readonly Role[] = [Role.PLATFORM_ADMIN, Role.AUDITOR];

/** A refusal the operator can act on (exit code 2), as opposed to a failure. */
export class CliRefusal extends Error {}

export interface OperatorAccount {
  email: string;
  role: string;
  displayName?: string;
  password: string;
}

/** Checks what the API's `CreateAccountInput` checks, for the CLI's roles; the account as it will be stored. */
export function checkOperatorAccount(input: OperatorAccount): { email: string; role: Role; displayName: string; password: string } {
  // The API's input guard first: an address or name with control or bidi-override characters never gets stored.
  const guarded = (value: string, option: string) => {
    const cleaned = cleanText(value, option);
    if (typeof cleaned !== 'string') throw new CliRefusal(`--${option} ${cleaned.reason}`);
    return cleaned;
  };
  const email = guarded(input.email, 'email').trim().toLowerCase();
  if (!isEmail(email)) throw new CliRefusal(`--email: not an e-mail address: ${JSON.stringify(input.email)}`);
  const role = CLI_ROLES.find((r) => r === input.role);
  if (!role) throw new CliRefusal(`--role must be one of ${CLI_ROLES.join(', ')}: ministry accounts are created through the API`);
  const displayName = guarded(input.displayName ?? email, 'name').trim();
  if (displayName.length < 2 || displayName.length > 150) throw new CliRefusal('--name must be 2 to 150 characters');
  const weak = passwordProblem(input.password, [email, displayName]);
  if (weak) throw new CliRefusal(`the password ${weak}`);
  return { email, role, displayName, password: input.password };
}

/** Creates the account and its audit event in one transaction; refuses an e-mail already in use. */
export async function createOperatorAccount(
  orm: MikroORM,
  input: OperatorAccount,
  opts: { auditKey: string; operator: string },
): Promise<{ id: string; email: string; role: Role }> {
  const account = checkOperatorAccount(input);
  const em = orm.em.fork({ clear: true }) as EntityManager;
  em.setFilterParams('scope', { scope: Scope.system() });
  // A transaction `appendEvent` can end: its event is written by the COMMIT, never without the account.
  await beginWith(em, 'select 1');
  try {
    if (await em.count(Account, { email: account.email })) throw new CliRefusal(`an account with the e-mail ${account.email} exists already`);
    const created = em.create(Account, {
      email: account.email,
      displayName: account.displayName,
      role: account.role,
      ministry: null,
      passwordHash: await argon2Hash(account.password),
    });
    takeChanges(em);
    await em.flush();
    const content: EventContent = {
      occurredAt: new Date().toISOString(),
      requestId: null,
      actorAccountId: null,
      actorMinistryId: null,
      actorRole: null,
      operation: 'createAccount',
      entityType: 'Account',
      entityId: created.id,
      subjectMinistryId: null,
      changes: [...takeChanges(em), { note: { via: 'npm run account', operator: opts.operator } }],
    };
    await appendEvent(em, opts.auditKey, content);
    await em.commit();
    return { id: created.id, email: created.email, role: account.role };
  } catch (e) {
    if (em.isInTransaction()) await em.rollback();
    throw e;
  }
}
