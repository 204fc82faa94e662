/**
 * An Apollo Client 4 set up for Sinergi: the bearer token on every request,
 * renewed before it expires with the session's refresh token; a cache that
 * normalises records, merges Relay pages (`relayStylePagination` on every
 * connection, told apart by their filters) and answers `node(id)` from records
 * it already holds. Subscriptions go over WebSocket (graphql-ws), the rest over
 * HTTP, with the same token and the same trusted documents.
 */
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError, type TypePolicies } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { relayStylePagination } from '@apollo/client/utilities';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode, print } from 'graphql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Observable } from 'rxjs';
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
  /**
   * A client app's own credentials (its ministry's ADMIN registers it with `createApiClient`): the client then
   * gets its tokens at `tokenUri` with the OAuth 2.0 client-credentials grant, and a new one before each
   * expires, instead of logging a person in. Keep the secret on a server, never in a browser.
   */
  clientCredentials?: { clientId: string; clientSecret: string; tokenUri?: string };
  /**
   * Send each operation by its id (`documentId`, `sha256:<hex>`) instead of its text: the documents are those of
   * `trusted-documents.json`, which the SDK's build writes and the app's ADMIN registers
   * (`registerTrustedDocuments`, or `npm run trusted-documents` in the API's checkout).
   */
  trustedDocuments?: boolean;
  /**
   * Subscriptions (`ChangesDocument`) over WebSocket: `url` defaults to `uri` with `ws` for `http`; `webSocketImpl`
   * to the platform's `WebSocket` (browsers, Node 22 and later), or pass `ws`'s. Without one, subscriptions fail.
   */
  subscriptions?: { url?: string; webSocketImpl?: unknown };
}

const isSubscription = (query: Parameters<typeof getMainDefinition>[0]) => {
  const definition = getMainDefinition(query);
  return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
};

/** Subscriptions over a graphql-ws client, each sent by its text or, for trusted documents, by its id alone. */
function subscriptionLink(client: WsClient, trusted: boolean): ApolloLink {
  return new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        let dispose = () => undefined as void;
        let cancelled = false;
        (async () => {
          const query = print(operation.query);
          const payload = trusted
            ? { query: '', extensions: { documentId: await documentIdOf(query) }, variables: operation.variables, operationName: operation.operationName }
            : { query, variables: operation.variables, operationName: operation.operationName };
          if (cancelled) return;
          dispose = client.subscribe(payload, {
            next: (result) => observer.next(result as never),
            error: (error) => observer.error(error),
            complete: () => observer.complete(),
          });
        })().catch((error) => observer.error(error));
        return () => {
          cancelled = true;
          dispose();
        };
      }),
  );
}

/** The id of a document as its text is sent: `sha256:` and the hex SHA-256 of the text (GraphQL-over-HTTP persisted documents). */
export async function documentIdOf(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return `sha256:${Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A fetch that sends each POSTed operation as its `documentId` instead of its text. */
function byDocumentId(doFetch: typeof fetch): typeof fetch {
  return async (input, init) => {
    if (init?.method !== 'POST' || typeof init.body !== 'string') return doFetch(input, init);
    const body = JSON.parse(init.body) as { query?: string };
    if (typeof body.query !== 'string') return doFetch(input, init);
    const { query, ...rest } = body;
    return doFetch(input, { ...init, body: JSON.stringify({ ...rest, documentId: await documentIdOf(query) }) });
  };
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
  /** Closes the subscription socket, if one is open. */
  dispose(): Promise<void>;
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
  const app = options.clientCredentials;
  let appRefused = false;
  let renewing: Promise<void> | null = null;
  let device = options.deviceToken ?? null;

  /** Once per session: the requests in flight when it ends all fail, and the app is told once. */
  const endSession = () => {
    if (!session.get()) return;
    session.set(null);
    options.onSessionEnded?.();
  };

  /** An app's token from the token endpoint (client credentials); the session ends when the app is refused. */
  const appToken = async (credentials: NonNullable<typeof app>) => {
    const tokenUri = credentials.tokenUri ?? options.uri.replace(/\/graphql\/?$/, '/oauth/token');
    const res = await doFetch(tokenUri, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${btoa(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`)}`,
      },
      body: 'grant_type=client_credentials',
    });
    const body = (await res.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      // Revoked, or its secret rotated away: the app is told once.
      if (res.status === 401 && !appRefused) {
        appRefused = true;
        session.set(null);
        options.onSessionEnded?.();
      }
      throw new Error(`token endpoint: ${body.error ?? res.status}${body.error_description ? `: ${body.error_description}` : ''}`);
    }
    // An app has no refresh token: it asks the token endpoint again.
    session.set({ token: body.access_token, expiresAt: new Date(Date.now() + (body.expires_in ?? 0) * 1000).toISOString(), refreshToken: '' });
  };

  /** One renewal at a time, however many requests find the token about to expire. */
  const renew = (current: Session | null) =>
    (renewing ??= (async () => {
      try {
        if (app) return await appToken(app);
        if (!current) return;
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
    const token = await freshToken();
    return token ? { headers: { ...(prev.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } } : {};
  });

  // Wherever SESSION_ENDED arrives (any operation, not only a renewal), the session is over for this client.
  // An app's token is only dropped: the next operation asks the token endpoint, which says whether the app is still live.
  const ended = new ErrorLink(({ error }) => {
    if (!sessionEnded(error)) return;
    if (app) session.set(null);
    else endSession();
  });

  /** The token for the next request or socket, renewed first when it is about to expire. */
  const freshToken = async () => {
    let current = session.get();
    if ((current && Date.parse(current.expiresAt) - Date.now() < margin) || (!current && app)) {
      await renew(current);
      current = session.get();
    }
    return current?.token ?? null;
  };

  const http = ApolloLink.from([ended, auth, new HttpLink({ uri: options.uri, fetch: options.trustedDocuments ? byDocumentId(doFetch) : doFetch })]);
  const webSocketImpl = options.subscriptions?.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
  const ws = webSocketImpl
    ? createWsClient({
        url: options.subscriptions?.url ?? options.uri.replace(/^http/, 'ws'),
        webSocketImpl,
        lazy: true,
        // Each (re)connection with the token as it is then.
        connectionParams: async () => {
          const token = await freshToken();
          return token ? { authorization: `Bearer ${token}` } : {};
        },
        on: {
          // The server closes a stream whose session ended with 4401: the same as SESSION_ENDED over HTTP.
          closed: (event) => {
            if ((event as { code?: number }).code !== 4401) return;
            if (app) session.set(null);
            else endSession();
          },
        },
      })
    : null;

  const apollo = new ApolloClient({
    link: ws ? ApolloLink.split(({ query }) => isSubscription(query), subscriptionLink(ws, !!options.trustedDocuments), http) : http,
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
    async dispose() {
      await ws?.dispose();
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
