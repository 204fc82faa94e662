/** Client apps: a ministry's own systems, with credentials of their own (issue 32; docs/clients.md). */
import { subject, type Resource, type SubjectOf } from '../../resource/resource';
import { ApiClient } from './api-client.entity';
import { ApiClientResolver } from './api-client.resolver';
import { TrustedDocumentsResolver } from './trusted-documents.resolver';

/** A change of an app is about the app, on behalf of its ministry; the payloads carry it as `client` or are it. */
const appSubject: SubjectOf = (result, input) => {
  const r = result as { client?: unknown } | null;
  return subject.row('ApiClient')(r && 'client' in r ? r.client : r, input);
};

export const apiClientResource: Resource = {
  name: 'ApiClient',
  entities: [ApiClient],
  resolvers: [ApiClientResolver, TrustedDocumentsResolver],
  queries: {
    apiClients: { audience: 'admin', scoped: true },
    trustedDocuments: { audience: 'admin', scoped: true },
  },
  mutations: {
    createApiClient: { audience: 'admin', scoped: true, audit: appSubject },
    rotateApiClientSecret: { audience: 'admin', scoped: true, audit: appSubject },
    revokeApiClient: { audience: 'admin', scoped: true, audit: appSubject },
    setApiClientQuota: { audience: 'admin', scoped: true, audit: appSubject },
    registerTrustedDocuments: { audience: 'admin', scoped: true, audit: appSubject },
    requireTrustedDocuments: { audience: 'admin', scoped: true, audit: appSubject },
    // A token is about the app that asked for it; the secret proves the right to it.
    clientCredentialsToken: { audience: 'anyone', scoped: false, audit: appSubject },
  },
};
