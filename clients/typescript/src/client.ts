/**
 * An Apollo Client 4 set up for Sinergi: the bearer token on every request,
 * renewed before it expires with the session's refresh token; a cache that
 * normalises records, merges Relay pages (`relayStylePagination` on every
 * connection, told apart by their filters) and answers `node(id)` from records
 * it already holds.
 */
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError, type TypePolicies } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { relayStylePagination } from '@apollo/client/utilities';
import { print } from 'graphql';
import { LoginDocument, LogoutDocument, RefreshTokenDocument, type LoginMutation, type RefreshTokenMutation } from './generated/graphql';
import { keyFields, paginatedFields, possibleTypes } from './schema-facts';

/** A logged-in session: the access token, when it expires, and the refresh token for the next one. */
export interface Session {
  token: string;
  expiresAt: string;
  refreshToken: string;
}

/** Where the session is kept: in memory by default; a browser app may keep it in `sessionStorage`. */
export interface SessionStore {
  get(): Session | null;
  set(session: Session | null): void;
}

export function memorySessionStore(): SessionStore {
  let session: Session | null = null;
  return { get: () => session, set: (s) => void (session = s) };
}

export interface SinergiClientOptions {
  /** The API's GraphQL endpoint, e.g. `https://sinergi.example.go.id/graphql`. */
  uri: string;
  session?: SessionStore;
  /** Renew the access token this many seconds before it expires (default 60). */
  refreshMarginSeconds?: number;
  /** Called when the session has ended (logged out elsewhere, deactivated, expired): show the login screen. */
  onSessionEnded?: () => void;
  fetch?: typeof fetch;
  /**
   * The `deviceToken` an earlier login of this app answered (keep it with the app's settings): others' failed
   * logins from the same network then never hold this app's logins up. `onDeviceToken` hands out each new one.
   */
  deviceToken?: string | null;
  onDeviceToken?: (token: string) => void;
}

/** The cache's rules, from the schema (`schema-facts.ts`): pagination per connection field, `node` reads, key fields. */
export function sinergiTypePolicies(): TypePolicies {
  const policies: TypePolicies = {};
  for (const [type, fields] of Object.entries(paginatedFields)) {
    policies[type] = {
      fields: Object.fromEntries(Object.entries(fields).map(([field, keyArgs]) => [field, relayStylePagination(keyArgs.length ? keyArgs : false)])),
    };
  }
  for (const [type, key] of Object.entries(keyFields)) policies[type] = { ...policies[type], keyFields: key };
  const query = (policies.Query ??= {});
  query.fields = {
    ...query.fields,
    // `node(id)` answered from the cache when a record with that id is there already, whatever its type.
    node: {
      read(existing, { args, toReference, canRead }) {
        if (existing || typeof args?.id !== 'string') return existing;
        for (const __typename of possibleTypes.Node ?? []) {
          const ref = toReference({ __typename, id: args.id });
          if (ref && canRead(ref)) return ref;
        }
        return undefined;
      },
    },
  };
  return policies;
}

export interface SinergiClient {
  apollo: ApolloClient;
  /** Logs in and keeps the session; returns the account. */
  login(email: string, password: string): Promise<NonNullable<LoginMutation['login']>['account']>;
  /** Ends the session on the server too, and empties the cache. */
  logout(): Promise<void>;
  session: SessionStore;
}

/** The GraphQL errors an operation failed with, whether the server answered them with 200 or with an error status. */
function graphqlErrorsOf(error: unknown): readonly { extensions?: Record<string, unknown> }[] {
  if (CombinedGraphQLErrors.is(error)) return error.errors;
  if (ServerError.is(error)) {
    try {
      const body = JSON.parse(error.bodyText) as { errors?: { extensions?: Record<string, unknown> }[] };
      return Array.isArray(body.errors) ? body.errors : [];
    } catch {
      return [];
    }
  }
  return [];
}

/** Whether the server said the session is over: logged out elsewhere, the account deactivated, the session expired. */
const sessionEnded = (error: unknown) =>
  graphqlErrorsOf(error).some((e) => e.extensions?.code === 'UNAUTHENTICATED' && e.extensions?.reason === 'SESSION_ENDED');

export function createSinergiClient(options: SinergiClientOptions): SinergiClient {
  const session = options.session ?? memorySessionStore();
  const margin = (options.refreshMarginSeconds ?? 60) * 1000;
  const doFetch = options.fetch ?? fetch;
  let renewing: Promise<void> | null = null;
  let device = options.deviceToken ?? null;

  /** Once per session: the requests in flight when it ends all fail, and the app is told once. */
  const endSession = () => {
    if (!session.get()) return;
    session.set(null);
    options.onSessionEnded?.();
  };

  /** One renewal at a time, however many requests find the token about to expire. */
  const renew = (current: Session) =>
    (renewing ??= (async () => {
      try {
        const res = await doFetch(options.uri, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: print(RefreshTokenDocument), variables: { refreshToken: current.refreshToken } }),
        });
        const body = (await res.json()) as { data?: RefreshTokenMutation | null };
        const next = body.data?.refreshToken;
        if (next) session.set({ token: next.token, expiresAt: next.expiresAt, refreshToken: next.refreshToken });
        else endSession();
      } finally {
        renewing = null;
      }
    })());

  const auth = new SetContextLink(async (prev, operation) => {
    if (operation.operationName === 'Login' || operation.operationName === 'RefreshToken') return {};
    let current = session.get();
    if (current && Date.parse(current.expiresAt) - Date.now() < margin) {
      await renew(current);
      current = session.get();
    }
    return current ? { headers: { ...(prev.headers as Record<string, string> | undefined), authorization: `Bearer ${current.token}` } } : {};
  });

  // Wherever SESSION_ENDED arrives (any operation, not only a renewal), the session is over for this client.
  const ended = new ErrorLink(({ error }) => {
    if (sessionEnded(error)) endSession();
  });

  const apollo = new ApolloClient({
    link: ApolloLink.from([ended, auth, new HttpLink({ uri: options.uri, fetch: doFetch })]),
    cache: new InMemoryCache({ possibleTypes, typePolicies: sinergiTypePolicies() }),
  });

  return {
    apollo,
    session,
    async login(email, password) {
      const { data } = await apollo.mutate({ mutation: LoginDocument, variables: { email, password, deviceToken: device } });
      const payload = data?.login;
      if (!payload) throw new Error('login returned no session');
      session.set({ token: payload.token, expiresAt: payload.expiresAt, refreshToken: payload.refreshToken });
      if (payload.deviceToken) {
        device = payload.deviceToken;
        options.onDeviceToken?.(device);
      }
      return payload.account;
    },
    async logout() {
      const current = session.get();
      try {
        if (current) await apollo.mutate({ mutation: LogoutDocument, variables: { refreshToken: current.refreshToken } });
      } finally {
        session.set(null);
        await apollo.clearStore();
      }
    },
  };
}
