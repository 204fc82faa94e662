/**
 * The TypeScript SDK's session against a real server over HTTP (issue 32, item 6 in part): when the server
 * ends the session — logged out elsewhere, the account deactivated — the next operation fails with
 * SESSION_ENDED, and the app's `onSessionEnded` is called once, however many operations were in flight.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { CombinedGraphQLErrors } from '@apollo/client';
import { AccountsDocument, createSinergiClient, ViewerDocument } from '../clients/typescript/src';
import { startTestApp, TEST_PASSWORD, type TestApp } from './support/test-app';

let t: TestApp;
let server: http.Server;
let uri: string;

beforeAll(async () => {
  t = await startTestApp();
  server = http.createServer(t.app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server?.close();
  await t?.close();
});

const post = (body: unknown) => fetch(uri, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function signedIn() {
  const who = await t.as(Role.VIEWER, 'KP2MI');
  let ended = 0;
  const client = createSinergiClient({ uri, onSessionEnded: () => void ended++ });
  await client.login(who.account!.email, TEST_PASSWORD);
  const viewer = async () => (await client.apollo.query({ query: ViewerDocument, fetchPolicy: 'network-only' })).data?.viewer?.email;
  expect(await viewer()).toBe(who.account!.email);
  return { client, who, viewer, ended: () => ended };
}

describe('the SDK when the server ends the session', () => {
  it('calls onSessionEnded once when a session logged out elsewhere answers SESSION_ENDED, even to operations in flight', async () => {
    const { client, viewer, ended } = await signedIn();
    // The same session ended from another device, with its refresh token.
    const out = await post({ query: 'mutation($r: String!) { logout(refreshToken: $r) }', variables: { r: client.session.get()!.refreshToken } });
    expect(((await out.json()) as { data: { logout: boolean } }).data.logout).toBe(true);
    const answers = await Promise.allSettled([viewer(), viewer(), viewer()]);
    expect(answers.every((a) => a.status === 'rejected')).toBe(true);
    expect(ended()).toBe(1);
    expect(client.session.get()).toBeNull();
  });

  it('calls it when the account is deactivated', async () => {
    const { viewer, ended, who } = await signedIn();
    await t.em().getConnection().execute('update account set active = false where id = ?', [who.account!.id]);
    await expect(viewer()).rejects.toThrow();
    expect(ended()).toBe(1);
  });

  it('does not call it for other refusals: a VIEWER refused the accounts list keeps its session', async () => {
    const { client, viewer, ended } = await signedIn();
    const refused = await client.apollo.query({ query: AccountsDocument, fetchPolicy: 'network-only' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(CombinedGraphQLErrors.is(refused) && refused.errors[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(ended()).toBe(0);
    expect(client.session.get()).not.toBeNull();
    expect(await viewer()).toBeTruthy();
  });
});
