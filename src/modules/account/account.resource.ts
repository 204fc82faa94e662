/** Accounts: who may sign in, as which role, for which ministry (access-model.md). */
import { subject, type Resource } from '../../resource/resource';
import { Account } from './account.entity';
import { AccountResolver } from './account.resolver';

const managers = { audience: 'account-managers', scoped: true, audit: subject.row('Account') } as const;

export const accountResource: Resource = {
  name: 'Account',
  entities: [Account],
  resolvers: [AccountResolver],
  queries: {
    viewer: { audience: 'identified', scoped: false },
    accounts: { audience: 'account-managers', scoped: true },
  },
  mutations: {
    // A login is about the account it signs in.
    login: {
      audience: 'anyone',
      scoped: false,
      audit: (result) =>
        subject.row('Account')((result as { account?: unknown } | null)?.account ?? null, { args: {}, deletedOwner: null, actorMinistryId: null }),
    },
    // A refresh is about the account whose session it continues; the refresh token proves the right to it.
    refreshToken: {
      audience: 'anyone',
      scoped: false,
      audit: (result) =>
        subject.row('Account')((result as { account?: unknown } | null)?.account ?? null, { args: {}, deletedOwner: null, actorMinistryId: null }),
    },
    // The caller's own session, or the one a refresh token proves; the event's note names whose it was.
    logout: {
      audience: 'anyone',
      scoped: false,
      audit: (_result, { actorMinistryId }) => ({ entityType: 'AccountSession', entityId: null, subjectMinistryId: actorMinistryId }),
    },
    createAccount: managers,
    updateAccount: managers,
    approveAccount: { audience: 'admin', scoped: true, audit: subject.row('Account') },
  },
};
