/**
 * The TypeScript SDK as a client app (issue 32, items 1, 2 and 6): it gets its own tokens with its client
 * credentials, sends its operations by the ids of the manifest its build wrote (trusted-documents.json), which
 * its ADMIN registered, and tells the app once when the app is revoked. Through HTTP against a real server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client';
import WebSocket from 'ws';
import { ChangesDocument, createSinergiClient, documentIdOf, InstitutionsDocument, ViewerDocument } from '../clients/typescript/src';
import { expectOk } from './support/expect';
import { serveOverHttp, type HttpServer } from './support/http-server';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let server: HttpServer;
let uri: string;
let admin: Client;

const MANIFEST: Record<string, string> = JSON.parse(readFileSync(path.resolve(__dirname, '../clients/typescript/trusted-documents.json'), 'utf8'));

beforeAll(async () => {
  t = await startTestApp();
  server = await serveOverHttp(t.app);
  uri = `${server.base}/graphql`;
  admin = await t.as(Role.ADMIN, 'KEMENPERIN');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

async function registeredApp(requireTrustedDocuments: boolean) {
  const created = expectOk(
    await admin.raw('mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { client { id clientId } clientSecret } }', {
      i: { name: `SDK app ${Math.random()}`, role: 'VIEWER', requireTrustedDocuments },
    }),
  ).createApiClient;
  return { id: created.client.id as string, clientId: created.client.clientId as string, clientSecret: created.clientSecret as string };
}

describe('the SDK as a client app', () => {
  it("its build's manifest holds each operation under the id of the text it sends, and registers whole", async () => {
    for (const [id, text] of Object.entries(MANIFEST)) expect(await documentIdOf(text)).toBe(id);
    const app = await registeredApp(true);
    const registered = expectOk(
      await admin.raw('mutation($c: ID!, $d: [String!]!) { registerTrustedDocuments(clientId: $c, documents: $d) { added removed } }', {
        c: app.clientId,
        d: Object.values(MANIFEST),
      }),
    ).registerTrustedDocuments;
    expect(registered.added.sort()).toEqual(Object.keys(MANIFEST).sort());
  });

  it('gets its own token, runs its documents by id, and is told once when its app is revoked', async () => {
    const app = await registeredApp(true);
    expectOk(
      await admin.raw('mutation($c: ID!, $d: [String!]!) { registerTrustedDocuments(clientId: $c, documents: $d) { added } }', {
        c: app.id,
        d: Object.values(MANIFEST),
      }),
    );
    const sent: string[] = [];
    let ended = 0;
    const client = createSinergiClient({
      uri,
      clientCredentials: { clientId: app.clientId, clientSecret: app.clientSecret },
      trustedDocuments: true,
      onSessionEnded: () => void ended++,
      fetch: (input, init) => {
        if (typeof init?.body === 'string') sent.push(init.body);
        return fetch(input, init);
      },
    });
    const viewer = (await client.apollo.query({ query: ViewerDocument, fetchPolicy: 'network-only' })).data?.viewer;
    expect(viewer).toMatchObject({ kind: 'APP', role: 'VIEWER' });
    const page = (await client.apollo.query({ query: InstitutionsDocument, variables: { first: 2 }, fetchPolicy: 'network-only' })).data?.institutions;
    expect(page?.edges?.length).toBeLessThanOrEqual(2);
    const operations = sent.filter((b) => b.startsWith('{"operationName"') || b.includes('"documentId"'));
    expect(operations.length).toBe(2);
    for (const body of operations) expect(JSON.parse(body)).not.toHaveProperty('query');
    // Revoked: the token in hand is refused, the token endpoint refuses a new one, and the app hears of it once.
    expectOk(await admin.raw('mutation($id: ID!) { revokeApiClient(id: $id) { id } }', { id: app.id }));
    await expect(client.apollo.query({ query: ViewerDocument, fetchPolicy: 'network-only' })).rejects.toThrow();
    await expect(client.apollo.query({ query: ViewerDocument, fetchPolicy: 'network-only' })).rejects.toThrow(/invalid_client/);
    await expect(client.apollo.query({ query: ViewerDocument, fetchPolicy: 'network-only' })).rejects.toThrow(/invalid_client/);
    expect(ended).toBe(1);
  });

  it('sending text, an app held to its documents is refused with TRUSTED_DOCUMENT_REQUIRED', async () => {
    const app = await registeredApp(true);
    const client = createSinergiClient({ uri, clientCredentials: { clientId: app.clientId, clientSecret: app.clientSecret } });
    const error = await client.apollo.query({ query: ViewerDocument, fetchPolicy: 'network-only' }).then(
      () => null,
      (e: unknown) => e,
    );
    const codes = CombinedGraphQLErrors.is(error)
      ? error.errors.map((e) => e.extensions?.code)
      : ServerError.is(error)
        ? (JSON.parse(error.bodyText) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code)
        : [String(error)];
    expect(codes).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
  });

  it('subscribes to changes over WebSocket with its own token, by document id, and receives what it may read', async () => {
    const app = await registeredApp(true);
    expectOk(
      await admin.raw('mutation($c: ID!, $d: [String!]!) { registerTrustedDocuments(clientId: $c, documents: $d) { added } }', {
        c: app.id,
        d: Object.values(MANIFEST),
      }),
    );
    const client = createSinergiClient({
      uri,
      clientCredentials: { clientId: app.clientId, clientSecret: app.clientSecret },
      trustedDocuments: true,
      subscriptions: { webSocketImpl: WebSocket },
    });
    const received: { operation: string; type: string; id: string }[] = [];
    const errors: unknown[] = [];
    const subscription = client.apollo.subscribe({ query: ChangesDocument, variables: { types: ['Institution'] } }).subscribe({
      next: ({ data, error }) => {
        if (data?.changes) received.push(data.changes);
        if (error) errors.push(error);
      },
      error: (e) => errors.push(e),
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const editor = await t.as(Role.EDITOR, 'KEMENPERIN');
    const created = expectOk(
      await editor.raw(
        'mutation { createInstitution(input: { name: "Seen by the SDK", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 1 }) { id } }',
      ),
    ).createInstitution;
    const end = Date.now() + 5_000;
    while (!received.length && !errors.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual([]);
    expect(received.map((c) => [c.operation, c.type, c.id])).toEqual([['CREATED', 'Institution', created.id]]);
    subscription.unsubscribe();
    await client.dispose();
  });
});
