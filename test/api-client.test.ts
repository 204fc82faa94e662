/**
 * Client apps (issue 32, item 1): registered by a ministry ADMIN, they get tokens at POST /oauth/token with the
 * OAuth 2.0 client-credentials grant, act as themselves within their role and ministry, are named by the audit
 * trail and the read log, and are rotated and revoked — revocation holding at a second server process within a
 * second. Through HTTP against a real server, and past the API as an insider with the app role's password.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceType } from '../src/shared/enums';
import { fromGlobalId, toGlobalId } from '../src/shared/global-id';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { connectInsider, sessionOf, type Insider } from './support/insider';
import { startServerProcess, type ServerProcess } from './support/server-process';
import { serveOverHttp, type HttpServer } from './support/http-server';
import { Role, startTestApp, TEST_PASSWORD, type Client, type TestApp } from './support/test-app';
import { executions, JitPlans } from '../src/graphql/jit-executor';
import { checkDocuments } from '../src/modules/api-client/trusted-documents';
import { PreparedDocuments } from '../src/server/prepared-documents';
import { requestRules } from '../src/shared/query-limits';

let t: TestApp;
let server: HttpServer;
let base: string;
let admin: Client;
let insider: Insider;

const CREATE = 'mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { client { id clientId name role active ministry { code } } clientSecret } }';
const ROTATE = 'mutation($id: ID!, $h: Int) { rotateApiClientSecret(id: $id, overlapHours: $h) { client { id } clientSecret previousSecretsExpireAt } }';
const REVOKE = 'mutation($id: ID!) { revokeApiClient(id: $id) { id active revokedAt } }';
const LIST = 'query($r: Boolean) { apiClients(includeRevoked: $r) { totalCount edges { node { id clientId name role active } } } }';

interface Credentials {
  client: { id: string; clientId: string; name: string; role: string };
  clientSecret: string;
}

let serial = 0;
async function register(by: Client, role: 'VIEWER' | 'EDITOR' = 'EDITOR'): Promise<Credentials> {
  return expectOk(await by.raw(CREATE, { i: { name: `Portal ${serial++}`, role } })).createApiClient;
}

interface TokenAnswer {
  status: number;
  headers: Headers;
  body: { access_token?: string; token_type?: string; expires_in?: number; error?: string; error_description?: string };
}

/** POST /oauth/token with a form, and the Authorization header given (if any). */
async function tokenRequest(
  form: Record<string, string>,
  authorization?: string,
  at = base,
  contentType = 'application/x-www-form-urlencoded',
): Promise<TokenAnswer> {
  const res = await fetch(`${at}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as TokenAnswer['body'] };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id).replace(/%20/g, '+')}:${encodeURIComponent(secret).replace(/%20/g, '+')}`).toString('base64')}`;

async function tokenOf(c: Credentials): Promise<string> {
  const answer = await tokenRequest({ grant_type: 'client_credentials' }, basic(c.client.clientId, c.clientSecret));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.access_token!;
}

/** A GraphQL request over HTTP with a bearer token. */
async function gql(token: string | null, query: string, variables: Record<string, unknown> = {}, at = base) {
  const res = await fetch(`${at}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    ...((await res.json()) as { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, any> }[] }),
  };
}

/** The global id of an app's account: the same uuid as the app's. */
const accountOf = (c: Credentials) => toGlobalId('Account', fromGlobalId(c.client.id, 'ApiClient', 'id'));
const codeOf = (r: { errors?: { extensions?: Record<string, any> }[] }) => r.errors?.[0]?.extensions?.code ?? 'OK';
const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => t.em().getConnection().execute<T[]>(text, params);

beforeAll(async () => {
  t = await startTestApp();
  server = await serveOverHttp(t.app);
  base = server.base;
  admin = await t.as(Role.ADMIN, 'KP2MI');
  insider = await connectInsider(t);
});
afterAll(async () => {
  await insider?.db.end();
  await server?.close();
  await t?.close();
});

describe('registering an app', () => {
  it("gives a client id and a secret shown once, stored only as its hash, and lists the app for its ministry's ADMIN", async () => {
    const c = await register(admin, 'VIEWER');
    expect(c.client).toMatchObject({ role: 'VIEWER', active: true, ministry: { code: 'KP2MI' } });
    expect(c.client.clientId).toMatch(/^app_[A-Za-z0-9_-]{22}$/);
    expect(c.clientSecret).toMatch(/^sinergi_cs_[A-Za-z0-9_-]{43}$/);
    const [row] = await sql<{ secret_hash: string }>(
      'select s.secret_hash from api_client_secret s join api_client c on c.id = s.client where c.client_id = ?',
      [c.client.clientId],
    );
    expect(row.secret_hash).toBe(createHash('sha256').update(c.clientSecret).digest('hex'));
    // Nowhere in the database as it was given: not in a table, not in the audit trail.
    const [{ found }] = await sql<{ found: number }>(
      `select (select count(*) from audit_event where changes::text like '%' || ? || '%') + (select count(*) from api_client_secret where secret_hash = ?) as found`,
      [c.clientSecret, c.clientSecret],
    );
    expect(Number(found)).toBe(0);
    const listed = expectOk(await admin.raw(LIST)).apiClients;
    expect(listed.edges.map((e: any) => e.node.clientId)).toContain(c.client.clientId);
    // Another ministry's ADMIN does not see it.
    const other = await t.as(Role.ADMIN, 'KESDM');
    expect(expectOk(await other.raw(LIST)).apiClients.edges.map((e: any) => e.node.clientId)).not.toContain(c.client.clientId);
  });

  it('refuses bad input with the field at fault, and creates nothing', async () => {
    const [{ n: before }] = await sql<{ n: number }>('select count(*)::int as n from api_client');
    expectError(await admin.raw(CREATE, { i: { name: 'Root app', role: 'ADMIN' } }), 'BAD_USER_INPUT', 'input.role');
    expectError(await admin.raw(CREATE, { i: { name: 'x', role: 'VIEWER' } }), 'BAD_USER_INPUT', 'input.name');
    expectError(await admin.raw(CREATE, { i: { name: '   ', role: 'VIEWER' } }), 'BAD_USER_INPUT', 'input.name');
    const taken = await register(admin);
    expectError(await admin.raw(CREATE, { i: { name: taken.client.name.toUpperCase(), role: 'VIEWER' } }), 'BAD_USER_INPUT', 'input.name');
    expect(await t.em().getConnection().execute('select count(*)::int as n from api_client')).toEqual([{ n: before + 1 }]);
  });

  it('is for a ministry ADMIN only: an EDITOR, an AUDITOR and a PLATFORM_ADMIN are refused, an anonymous caller is not identified', async () => {
    const before = await sql<{ n: number }>('select count(*)::int as n from api_client');
    for (const role of [Role.VIEWER, Role.EDITOR])
      expectError(await (await t.as(role, 'KP2MI')).raw(CREATE, { i: { name: 'Mole', role: 'VIEWER' } }), 'FORBIDDEN');
    expectError(await (await t.as(Role.AUDITOR)).raw(CREATE, { i: { name: 'Mole', role: 'VIEWER' } }), 'FORBIDDEN');
    expectError(await (await t.as(Role.PLATFORM_ADMIN)).raw(CREATE, { i: { name: 'Mole', role: 'VIEWER' } }), 'FORBIDDEN');
    expectError(await t.anonymous().raw(CREATE, { i: { name: 'Mole', role: 'VIEWER' } }), 'UNAUTHENTICATED');
    const app = await register(admin);
    const appClient = t.withToken(await tokenOf(app));
    // An app never registers apps, nor rotates or revokes one (its own included).
    expectError(await appClient.raw(CREATE, { i: { name: 'Child app', role: 'VIEWER' } }), 'FORBIDDEN');
    expectError(await appClient.raw(ROTATE, { id: app.client.id }), 'FORBIDDEN');
    expectError(await appClient.raw(REVOKE, { id: app.client.id }), 'FORBIDDEN');
    for (const doc of [ROTATE, REVOKE]) {
      expectError(await (await t.as(Role.EDITOR, 'KP2MI')).raw(doc, { id: app.client.id }), 'FORBIDDEN');
      expectError(await (await t.as(Role.PLATFORM_ADMIN)).raw(doc, { id: app.client.id }), 'FORBIDDEN');
      expectError(await t.anonymous().raw(doc, { id: app.client.id }), 'UNAUTHENTICATED');
    }
    expect(await sql('select count(*)::int as n from api_client')).toEqual([{ n: before[0].n + 1 }]);
  });
});

describe('POST /oauth/token (client credentials)', () => {
  it('grants a bearer token for client_secret_basic and for client_secret_post, never cached', async () => {
    const c = await register(admin);
    for (const answer of [
      await tokenRequest({ grant_type: 'client_credentials' }, basic(c.client.clientId, c.clientSecret)),
      await tokenRequest({ grant_type: 'client_credentials', client_id: c.client.clientId, client_secret: c.clientSecret }),
    ]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({ token_type: 'Bearer' });
      expect(answer.body.expires_in).toBeGreaterThan(3500);
      expect(answer.body.expires_in).toBeLessThanOrEqual(t.app.tokens.accessTtlSeconds);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const me = await gql(answer.body.access_token!, '{ viewer { kind role ministry { code } displayName } }');
      expect(me.data?.viewer).toEqual({ kind: 'APP', role: 'EDITOR', ministry: { code: 'KP2MI' }, displayName: c.client.name });
    }
  });

  it("deletes an app's expired sessions when it asks for a new token, so a long-running app leaves no pile of them", async () => {
    const c = await register(admin);
    const account = fromGlobalId(c.client.id, 'ApiClient', 'id');
    const live = await tokenOf(c);
    await tokenOf(c);
    const sessions = () =>
      sql<{ expired: boolean }>('select expires_at <= now() as expired from account_session where account_id = ? order by created_at', [account]);
    expect((await sessions()).length).toBe(2);
    // The second session runs out; the first is still live.
    await sql(
      `update account_session set expires_at = now() - interval '1 second' where account_id = ? and id = (select id from account_session where account_id = ? order by created_at desc limit 1)`,
      [account, account],
    );
    await tokenOf(c);
    expect(await sessions()).toEqual([{ expired: false }, { expired: false }]);
    expect(codeOf(await gql(live, '{ viewer { kind } }'))).toBe('OK');
  });

  it('answers each refusal as RFC 6749 §5.2 says, and grants nothing for it', async () => {
    const c = await register(admin);
    const wrong = await tokenRequest({ grant_type: 'client_credentials' }, basic(c.client.clientId, `${c.clientSecret}x`));
    expect([wrong.status, wrong.body.error]).toEqual([401, 'invalid_client']);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm="sinergi"/);
    const unknown = await tokenRequest({ grant_type: 'client_credentials', client_id: 'app_AAAAAAAAAAAAAAAAAAAAAA', client_secret: c.clientSecret });
    expect([unknown.status, unknown.body.error]).toEqual([401, 'invalid_client']);
    // Another app's secret with this app's id.
    const other = await register(admin);
    expect((await tokenRequest({ grant_type: 'client_credentials' }, basic(c.client.clientId, other.clientSecret))).status).toBe(401);
    const cases: [Record<string, string>, string | undefined, number, string][] = [
      [{ grant_type: 'password', username: 'a', password: 'b' }, basic(c.client.clientId, c.clientSecret), 400, 'unsupported_grant_type'],
      [{}, basic(c.client.clientId, c.clientSecret), 400, 'invalid_request'],
      [
        { grant_type: 'client_credentials', client_id: c.client.clientId, client_secret: c.clientSecret },
        basic(c.client.clientId, c.clientSecret),
        400,
        'invalid_request',
      ],
      [{ grant_type: 'client_credentials' }, undefined, 401, 'invalid_client'],
      [{ grant_type: 'client_credentials', client_id: c.client.clientId }, undefined, 401, 'invalid_client'],
      [{ grant_type: 'client_credentials', scope: 'admin' }, basic(c.client.clientId, c.clientSecret), 400, 'invalid_scope'],
      [{ grant_type: 'client_credentials' }, 'Bearer abc', 401, 'invalid_client'],
      [{ grant_type: 'client_credentials', client_id: 'x'.repeat(300), client_secret: 'y' }, undefined, 400, 'invalid_request'],
    ];
    for (const [form, auth, status, error] of cases) {
      const answer = await tokenRequest(form, auth);
      expect([answer.status, answer.body.error], JSON.stringify(form)).toEqual([status, error]);
      expect(answer.body.access_token).toBeUndefined();
    }
    const json = await tokenRequest({ grant_type: 'client_credentials' }, basic(c.client.clientId, c.clientSecret), base, 'application/json');
    expect([json.status, json.body.error]).toEqual([400, 'invalid_request']);
    const get = await fetch(`${base}/oauth/token`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('delays a run of wrong secrets for that client, as failed logins are', async () => {
    const c = await register(admin);
    const codes: number[] = [];
    for (let i = 0; i < 12; i++)
      codes.push((await tokenRequest({ grant_type: 'client_credentials', client_id: c.client.clientId, client_secret: 'wrong' })).status);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes.at(-1)).toBe(429);
  });
});

describe('an app acts as itself', () => {
  it("within its role's ceiling and its ministry, and never signs in with a password or is managed as an account", async () => {
    const viewerApp = await register(admin, 'VIEWER');
    const token = await tokenOf(viewerApp);
    const em = t.em();
    const institution = f.institution(em, await t.ministry('KP2MI'));
    await em.flush();
    const rename = 'mutation($id: ID!) { updateInstitution(input: { id: $id, name: "Renamed by a viewer" }) { id } }';
    expect(codeOf(await gql(token, rename, { id: f.gid(institution) }))).toBe('FORBIDDEN');
    expect(codeOf(await gql(token, '{ institutions(first: 1) { totalCount } }'))).toBe('OK');
    const [{ email }] = await sql<{ email: string }>('select a.email from account a join api_client c on c.id = a.id where c.client_id = ?', [
      viewerApp.client.clientId,
    ]);
    expect(codeOf(await gql(null, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: email, p: TEST_PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
    const accounts = expectOk(await admin.raw('{ accounts(first: 100) { edges { node { id email } } } }')).accounts.edges.map((e: any) => e.node.email);
    expect(accounts).not.toContain(email);
    expectError(
      await admin.raw('mutation($id: ID!) { updateAccount(input: { id: $id, password: "a-new-long-password-1" }) { id } }', {
        id: accountOf(viewerApp),
      }),
      'FORBIDDEN',
    );
  });

  it('is named as the actor of its changes and of its token in the audit trail, on behalf of its ministry', async () => {
    const editorApp = await register(admin, 'EDITOR');
    const token = await tokenOf(editorApp);
    const em = t.em();
    const institution = f.institution(em, await t.ministry('KP2MI'));
    await em.flush();
    const changed = await gql(token, 'mutation($id: ID!) { updateInstitution(input: { id: $id, name: "Renamed by the portal" }) { id name } }', {
      id: f.gid(institution),
    });
    expect(changed.data?.updateInstitution?.name, JSON.stringify(changed.errors)).toBe('Renamed by the portal');
    const events = expectOk(
      await (
        await t.as(Role.AUDITOR)
      ).raw(
        'query($a: ID) { auditEvents(actorAccountId: $a, first: 10) { edges { node { operation actorRole actorMinistry { code } actorApiClient { clientId name role } } } } }',
        { a: accountOf(editorApp) },
      ),
    ).auditEvents.edges.map((e: any) => e.node);
    expect(events.map((e: any) => e.operation).sort()).toEqual(['clientCredentialsToken', 'updateInstitution']);
    for (const e of events)
      expect(e).toMatchObject({
        actorRole: 'EDITOR',
        actorMinistry: { code: 'KP2MI' },
        actorApiClient: { clientId: editorApp.client.clientId, name: editorApp.client.name },
      });
    // A person's events name no app.
    const personal = expectOk(await admin.raw('{ auditEvents(first: 5) { edges { node { actorApiClient { clientId } actorAccountId } } } }')).auditEvents.edges;
    expect(
      personal.filter((e: any) => e.node.actorAccountId === toGlobalId('Account', admin.account!.id)).every((e: any) => e.node.actorApiClient === null),
    ).toBe(true);
  });

  it("is named by the read log when it reads another ministry's personal data, and in the person's access report", async () => {
    const perin = await t.ministry('KEMENPERIN');
    const kp2mi = await t.ministry('KP2MI');
    await f.signedMou(t.em(), perin, kp2mi, [{ provider: perin, recipient: kp2mi, resources: [ResourceType.TRAINEE], personal: true }]);
    const em = t.em();
    const person = f.trainee(em, perin);
    await em.flush();
    const app = await register(admin, 'VIEWER');
    const read = await gql(await tokenOf(app), 'query($n: ID) { trainees(filter: { ownerMinistryId: $n }, first: 200) { edges { node { id nik } } } }', {
      n: toGlobalId('Ministry', perin.id),
    });
    expect(
      read.data?.trainees?.edges.map((e: any) => e.node),
      JSON.stringify(read.errors),
    ).toContainEqual({ id: f.gid(person), nik: person.nik });
    const report = expectOk(
      await (
        await t.as(Role.ADMIN, 'KEMENPERIN')
      ).raw('query($nik: String!) { dataSubjectAccessReport(nik: $nik) { reads { readerMinistry { code } readerApiClient { clientId name } } } }', {
        nik: person.nik,
      }),
    ).dataSubjectAccessReport;
    expect(report.reads).toContainEqual({ readerMinistry: { code: 'KP2MI' }, readerApiClient: { clientId: app.client.clientId, name: app.client.name } });
  });
});

describe('rotating and revoking', () => {
  it('a rotated secret keeps working for the overlap stated, then the new one alone', async () => {
    const c = await register(admin);
    const rotated = expectOk(await admin.raw(ROTATE, { id: c.client.id, h: 1 })).rotateApiClientSecret;
    const expires = Date.parse(rotated.previousSecretsExpireAt);
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(60_000);
    await tokenOf(c);
    await tokenOf({ ...c, clientSecret: rotated.clientSecret });
    // Without overlap: the secret before is refused at once.
    const again = expectOk(await admin.raw(ROTATE, { id: c.client.id, h: 0 })).rotateApiClientSecret;
    for (const old of [c.clientSecret, rotated.clientSecret])
      expect((await tokenRequest({ grant_type: 'client_credentials' }, basic(c.client.clientId, old))).status).toBe(401);
    await tokenOf({ ...c, clientSecret: again.clientSecret });
    expectError(await admin.raw(ROTATE, { id: c.client.id, h: 169 }), 'BAD_USER_INPUT', 'overlapHours');
    expectError(await admin.raw(ROTATE, { id: c.client.id, h: -1 }), 'BAD_USER_INPUT', 'overlapHours');
  });

  it('a revoked app is refused at once — its tokens at every request, its secrets at the token endpoint', async () => {
    const c = await register(admin);
    const token = await tokenOf(c);
    expect(codeOf(await gql(token, '{ viewer { kind } }'))).toBe('OK');
    const revoked = expectOk(await admin.raw(REVOKE, { id: c.client.id })).revokeApiClient;
    expect(revoked.active).toBe(false);
    expect(codeOf(await gql(token, '{ institutions(first: 1) { totalCount } }'))).toBe('UNAUTHENTICATED');
    expect((await tokenRequest({ grant_type: 'client_credentials' }, basic(c.client.clientId, c.clientSecret))).status).toBe(401);
    expect(expectOk(await admin.raw(LIST, { r: false })).apiClients.edges.map((e: any) => e.node.id)).not.toContain(c.client.id);
    expect(expectOk(await admin.raw(LIST, { r: true })).apiClients.edges.map((e: any) => e.node.id)).toContain(c.client.id);
    // Revoked once and for good: nothing to revoke or rotate again.
    expectError(await admin.raw(REVOKE, { id: c.client.id }), 'FORBIDDEN', 'id');
    expectError(await admin.raw(ROTATE, { id: c.client.id }), 'FORBIDDEN', 'id');
    expectError(await admin.raw(REVOKE, { id: 'not-an-id' }), 'BAD_USER_INPUT', 'id');
  });

  describe('at a second server process', () => {
    let second: ServerProcess;
    beforeAll(async () => {
      second = await startServerProcess({ DATABASE_URL: t.databaseUrl, JWT_SECRET: t.config.jwtSecret, AUDIT_KEY: t.config.auditKey, REDIS_URL: '' });
    }, 120_000);
    afterAll(() => second?.stop());

    it('a revocation made at one process refuses the app at the other within a second', async () => {
      const c = await register(admin);
      const token = await tokenOf(c);
      const other = second.url.replace(/\/graphql$/, '');
      expect(codeOf(await gql(token, '{ viewer { kind } }', {}, other))).toBe('OK');
      expectOk(await admin.raw(REVOKE, { id: c.client.id }));
      const revokedAt = Date.now();
      let refused = false;
      while (!refused && Date.now() - revokedAt < 1000) refused = codeOf(await gql(token, '{ viewer { kind } }', {}, other)) === 'UNAUTHENTICATED';
      expect(refused).toBe(true);
      expect((await tokenRequest({ grant_type: 'client_credentials' }, basic(c.client.clientId, c.clientSecret), other)).status).toBe(401);
    });
  });
});

describe('an insider with the app role’s password', () => {
  it('reads no secret hash, makes no app or secret, and opens no session without a live secret', async () => {
    const c = await register(admin);
    const adminSession = await sessionOf(t, admin.account!);
    const [{ id: appId }] = await sql<{ id: string }>('select id from api_client where client_id = ?', [c.client.clientId]);
    await insider.inTransaction(async () => {
      expect(await insider.refusal('select secret_hash from api_client_secret')).toMatch(/permission denied/);
      expect(await insider.refusal(`insert into api_client_secret (client, secret_hash) values ($1, repeat('a', 64))`, [appId])).toMatch(/permission denied/);
      expect(await insider.refusal(`update api_client set revoked_at = null`)).toMatch(/permission denied/);
      // Without a scope, the functions refuse; with an ADMIN's, only the ADMIN's own ministry and roles.
      await insider.begin(null);
      expect(await insider.refusal(`select sinergi_api_client_create('app_AAAAAAAAAAAAAAAAAAAAAA', 'Mole', 'EDITOR', repeat('a', 64))`)).toMatch(
        /only a ministry ADMIN/,
      );
      expect(await insider.refusal(`select sinergi_api_client_rotate($1, repeat('a', 64), 0)`, [appId])).toBe('ok:1');
      expect((await insider.db.query(`select sinergi_api_client_rotate($1, repeat('a', 64), 0) as r`, [appId])).rows[0].r).toBeNull();
      expect(await insider.refusal(`select sinergi_api_client_session($1, repeat('0', 64), 3600)`, [c.client.clientId])).toBe('ok:1');
      expect((await insider.db.query(`select sinergi_api_client_session($1, repeat('0', 64), 3600) as s`, [c.client.clientId])).rows[0].s).toBeNull();
      await insider.begin(adminSession);
      expect(await insider.refusal(`select sinergi_api_client_create('app_BBBBBBBBBBBBBBBBBBBBBB', 'Mole', 'ADMIN', repeat('a', 64))`)).toMatch(
        /VIEWER or an EDITOR/,
      );
      // The account policies: no account of kind APP but through the function; an app's account is not changed directly.
      expect(
        await insider.refusal(
          `insert into account (id, email, password_hash, display_name, ministry_id, role, kind) values (gen_random_uuid(), 'mole@test.local', 'x', 'Mole', $1, 'VIEWER', 'APP')`,
          [(await t.ministry('KP2MI')).id],
        ),
      ).toMatch(/row-level security/);
      expect(await insider.refusal(`update account set password_hash = 'x' where id = $1`, [appId])).toMatch(/changed through its own functions/);
    });
  });
});

describe('trusted documents', () => {
  const REGISTER =
    'mutation($c: ID!, $d: [String!]!, $dry: Boolean) { registerTrustedDocuments(clientId: $c, documents: $d, dryRun: $dry) { added removed unchanged dryRun client { requireTrustedDocuments } } }';
  const ME = 'query Me { viewer { kind role } }';
  const COUNT = 'query Count($first: Int) { institutions(first: $first) { totalCount } }';
  const RENAME = 'mutation Rename($id: ID!, $name: String!) { updateInstitution(input: { id: $id, name: $name }) { id name } }';
  const idOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

  /** GET /graphql with these parameters and the token. */
  async function getQuery(token: string | null, params: Record<string, string>) {
    const res = await fetch(`${base}/graphql?${new URLSearchParams(params)}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return { status: res.status, ...((await res.json()) as { data?: Record<string, any> | null; errors?: { extensions?: Record<string, any> }[] }) };
  }
  /** POST /graphql with this body. */
  async function postBody(token: string | null, body: Record<string, unknown>) {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, ...((await res.json()) as { data?: Record<string, any> | null; errors?: { extensions?: Record<string, any> }[] }) };
  }

  it('are registered from the texts, with ids computed by the server; a dry run writes nothing and says what would change', async () => {
    const c = expectOk(await admin.raw(CREATE, { i: { name: `Trusted ${serial++}`, role: 'EDITOR', requireTrustedDocuments: true } })).createApiClient;
    const dry = expectOk(await admin.raw(REGISTER, { c: c.client.clientId, d: [ME, COUNT], dry: true })).registerTrustedDocuments;
    expect(dry).toMatchObject({ added: [idOf(ME), idOf(COUNT)].sort(), removed: [], unchanged: 0, dryRun: true, client: { requireTrustedDocuments: true } });
    expect(expectOk(await admin.raw('query($c: ID!) { trustedDocuments(clientId: $c) { id } }', { c: c.client.id })).trustedDocuments).toEqual([]);
    expect(expectOk(await admin.raw(REGISTER, { c: c.client.id, d: [ME, COUNT, ME] })).registerTrustedDocuments).toMatchObject({
      added: [idOf(ME), idOf(COUNT)].sort(),
      dryRun: false,
    });
    const listed = expectOk(
      await admin.raw('query($c: ID!) { trustedDocuments(clientId: $c) { id operationName cost body } }', { c: c.client.clientId }),
    ).trustedDocuments;
    expect(listed.map((d: any) => [d.id, d.operationName, d.body])).toEqual([
      [idOf(COUNT), 'Count', COUNT],
      [idOf(ME), 'Me', ME],
    ]);
    expect(listed.every((d: any) => d.cost > 0)).toBe(true);
    // A manifest without Count: Count is gone, Me stays.
    expect(expectOk(await admin.raw(REGISTER, { c: c.client.id, d: [ME, RENAME] })).registerTrustedDocuments).toMatchObject({
      added: [idOf(RENAME)],
      removed: [idOf(COUNT)],
      unchanged: 1,
    });
  });

  it('refuses a document that could not run, naming it, and registers nothing of the manifest', async () => {
    const c = await register(admin);
    const cases: [string[], string][] = [
      [[ME, '{ viewer { '], 'documents.1'],
      [['{ noSuchField }'], 'documents.0'],
      [['fragment F on Account { id }'], 'documents.0'],
      [[`{ ${Array.from({ length: 40 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`], 'documents.0'],
      [
        ['{ institutions(first: 1000) { edges { node { programs(first: 1000) { edges { node { enrollments(first: 1000) { totalCount } } } } } } } }'],
        'documents.0',
      ],
    ];
    for (const [documents, field] of cases) expectError(await admin.raw(REGISTER, { c: c.client.id, d: documents }), 'BAD_USER_INPUT', field);
    expect(expectOk(await admin.raw('query($c: ID!) { trustedDocuments(clientId: $c) { id } }', { c: c.client.id })).trustedDocuments).toEqual([]);
    expectError(await (await t.as(Role.EDITOR, 'KP2MI')).raw(REGISTER, { c: c.client.id, d: [ME] }), 'FORBIDDEN');
    expectError(await t.anonymous().raw(REGISTER, { c: c.client.id, d: [ME] }), 'UNAUTHENTICATED');
    expectError(await admin.raw(REGISTER, { c: 'app_AAAAAAAAAAAAAAAAAAAAAA', d: [ME] }), 'FORBIDDEN', 'clientId');
  });

  it('an app held to them runs its documents by id, by POST and by GET, and nothing sent as text', async () => {
    const c = expectOk(await admin.raw(CREATE, { i: { name: `Held ${serial++}`, role: 'EDITOR', requireTrustedDocuments: true } })).createApiClient;
    expectOk(await admin.raw(REGISTER, { c: c.client.id, d: [ME, COUNT, RENAME] }));
    const token = await tokenOf(c);
    const byPost = await postBody(token, { documentId: idOf(COUNT), variables: { first: 1 } });
    expect([byPost.status, typeof byPost.data?.institutions?.totalCount]).toEqual([200, 'number']);
    const byGet = await getQuery(token, { documentId: idOf(ME) });
    expect([byGet.status, byGet.data?.viewer]).toEqual([200, { kind: 'APP', role: 'EDITOR' }]);
    const em = t.em();
    const institution = f.institution(em, await t.ministry('KP2MI'));
    await em.flush();
    const renamed = await postBody(token, { documentId: idOf(RENAME), variables: { id: f.gid(institution), name: 'Renamed by document' } });
    expect(renamed.data?.updateInstitution?.name).toBe('Renamed by document');
    // A mutation is never run by GET.
    expect((await getQuery(token, { documentId: idOf(RENAME), variables: JSON.stringify({ id: f.gid(institution), name: 'By GET' }) })).status).toBe(405);
    // Text, even the very text registered, is refused; so is an id the app does not have.
    for (const sent of [{ query: ME }, { query: '{ institutions(first: 1) { totalCount } }' }, { query: ME, extensions: { persistedQuery: { version: 1 } } }]) {
      const answer = await postBody(token, sent);
      expect([answer.status, codeOf(answer)]).toEqual([400, 'TRUSTED_DOCUMENT_REQUIRED']);
    }
    expect(codeOf(await getQuery(token, { query: ME }))).toBe('TRUSTED_DOCUMENT_REQUIRED');
    for (const sent of [
      { documentId: idOf('{ viewer { email } }') },
      { documentId: 'sha256:nothex' },
      { documentId: idOf(ME), query: ME },
      { documentId: 12 },
    ]) {
      const answer = await postBody(token, sent);
      expect([answer.status, codeOf(answer)], JSON.stringify(sent)).toEqual([400, 'TRUSTED_DOCUMENT_NOT_FOUND']);
    }
    // Another app's documents are not this app's.
    const other = await register(admin);
    expect(codeOf(await postBody(await tokenOf(other), { documentId: idOf(ME) }))).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    // Staff write their own queries, and have no documents.
    const staff = await t.as(Role.EDITOR, 'KP2MI');
    expect(codeOf(await postBody(staff.token, { query: ME }))).toBe('OK');
    expect(codeOf(await postBody(staff.token, { documentId: idOf(ME) }))).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    expect(codeOf(await postBody(null, { documentId: idOf(ME) }))).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    // A document taken off the list is refused from then on; lifting the rule lets text through again.
    expectOk(await admin.raw(REGISTER, { c: c.client.id, d: [COUNT] }));
    expect(codeOf(await postBody(token, { documentId: idOf(ME) }))).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
    expect(
      expectOk(await admin.raw('mutation($c: ID!) { requireTrustedDocuments(clientId: $c, required: false) { requireTrustedDocuments } }', { c: c.client.id }))
        .requireTrustedDocuments.requireTrustedDocuments,
    ).toBe(false);
    expect(codeOf(await postBody(token, { query: ME }))).toBe('OK');
  });

  it('are parsed, validated and compiled at registration: the first request by id runs on a ready plan', async () => {
    const c = expectOk(await admin.raw(CREATE, { i: { name: `Ready ${serial++}`, role: 'VIEWER', requireTrustedDocuments: true } })).createApiClient;
    // A text no request has sent before, so that nothing of it is cached yet.
    const FRESH = `query Fresh${serial} { institutions(first: 2) { totalCount edges { node { id name } } } }`;
    const registered = t.app.documentStore.prepared;
    expectOk(await admin.raw(REGISTER, { c: c.client.id, d: [FRESH, ME] }));
    expect(t.app.documentStore.prepared - registered).toBeGreaterThanOrEqual(1);
    expect(await t.app.documentStore.get(`schema:${idOf(FRESH).slice('sha256:'.length)}`)).toBeDefined();
    const token = await tokenOf(c);
    const before = { ...executions };
    const first = await postBody(token, { documentId: idOf(FRESH) });
    expect(typeof first.data?.institutions?.totalCount).toBe('number');
    // Without preparation a document runs on graphql-js the first time and is compiled on its second request.
    expect({ compiled: executions.compiled - before.compiled, interpreted: executions.interpreted - before.interpreted }).toEqual({
      compiled: 1,
      interpreted: 0,
    });
  });

  it('are kept byte for byte: a text not in Unicode normal form, or with its own line endings, keeps its id and runs by it', async () => {
    const c = expectOk(await admin.raw(CREATE, { i: { name: `Exact ${serial++}`, role: 'VIEWER', requireTrustedDocuments: true } })).createApiClient;
    // "Café" with a combining accent (NFD), CRLF line endings and a tab: normalising any of them would change the id.
    const text = 'query Cafe\r\n{\tinstitutions(first: 1, filter: { search: "Cafe\u0301" }) { totalCount } }';
    expect(text.normalize('NFC')).not.toBe(text);
    expect(expectOk(await admin.raw(REGISTER, { c: c.client.id, d: [text] })).registerTrustedDocuments.added).toEqual([idOf(text)]);
    const [listed] = expectOk(await admin.raw('query($c: ID!) { trustedDocuments(clientId: $c) { id body } }', { c: c.client.id })).trustedDocuments;
    expect(listed).toEqual({ id: idOf(text), body: text });
    const token = await tokenOf(c);
    const answer = await postBody(token, { documentId: idOf(text) });
    expect([answer.status, typeof answer.data?.institutions?.totalCount]).toEqual([200, 'number']);
    expect(codeOf(await postBody(token, { documentId: idOf(text.normalize('NFC')) }))).toBe('TRUSTED_DOCUMENT_NOT_FOUND');
  });

  it('are prepared by another process only once they validate against its own schema and rules', async () => {
    const plans = new JitPlans(t.app.schema);
    const store = new PreparedDocuments(plans, requestRules(false));
    const ok = 'query Ok { viewer { role } }';
    store.prepare([ok, '{ viewer { noSuchField } }', '{ __schema { types { name } } }', '{ viewer { '], false);
    expect(store.prepared).toBe(1);
    expect(await store.get(`any:${idOf(ok).slice(7)}`)).toBeDefined();
    // Where introspection is off, registering an introspection document is refused as a request would be.
    expect(() => checkDocuments(t.app.schema, ['{ __schema { types { name } } }'], requestRules(false))).toThrow(/Introspection is off/);
    expect(checkDocuments(t.app.schema, ['{ __schema { types { name } } }'], requestRules(true))).toHaveLength(1);
  });

  it('an app not held to them sends text as staff do, and a new app is held by default only where TRUSTED_DOCUMENTS says (production)', async () => {
    const c = await register(admin);
    expect(codeOf(await postBody(await tokenOf(c), { query: ME }))).toBe('OK');
    expect(expectOk(await admin.raw(LIST)).apiClients.edges.find((e: any) => e.node.id === c.client.id)).toBeDefined();
    expect(t.config.trustedDocuments).toBe(false);
    const { loadConfig } = await import('../src/config.js');
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), AUDIT_KEY: 'y'.repeat(40), AUDIT_LOG_KEY: '' }).trustedDocuments).toBe(true);
  });
});

describe('npm run trusted-documents', () => {
  it('shows what a manifest adds and removes in a dry run, registers it otherwise, and refuses a manifest whose ids are not its texts', async () => {
    const { main } = await import('../src/cli/trusted-documents.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/manifest-`);
    const c = await register(admin);
    const docs = ['query One { viewer { kind } }', 'query Two { ministries { totalCount } }'];
    const manifestOf = (texts: string[]) => Object.fromEntries(texts.map((x) => [`sha256:${createHash('sha256').update(x).digest('hex')}`, x]));
    const run = async (texts: string[] | Record<string, string>, ...flags: string[]) => {
      const file = `${dir}/m${serial++}.json`;
      writeFileSync(file, JSON.stringify(Array.isArray(texts) ? manifestOf(texts) : texts));
      const lines: string[] = [];
      const code = await main(
        ['--as', admin.account!.email, '--client', c.client.clientId, '--manifest', file, '--url', `${base}/graphql`, ...flags],
        { SINERGI_PASSWORD: TEST_PASSWORD },
        (l) => lines.push(l),
      );
      return { code, lines };
    };
    const dry = await run(docs, '--dry-run');
    expect(dry.code, dry.lines.join('\n')).toBe(0);
    expect(
      dry.lines
        .filter((l) => l.startsWith('+ '))
        .map((l) => l.split(' ')[2])
        .sort(),
    ).toEqual(['One', 'Two']);
    expect(dry.lines.at(-1)).toMatch(/2 new, 0 gone, 0 unchanged \(dry run: nothing registered\)/);
    expect(expectOk(await admin.raw('query($c: ID!) { trustedDocuments(clientId: $c) { id } }', { c: c.client.id })).trustedDocuments).toEqual([]);
    expect((await run(docs)).lines.at(-1)).toMatch(/2 new, 0 gone, 0 unchanged;/);
    const gone = await run([docs[0]], '--dry-run');
    expect(gone.lines).toContain(`- ${Object.keys(manifestOf([docs[1]]))[0]}`);
    expect(gone.lines.at(-1)).toMatch(/0 new, 1 gone, 1 unchanged \(dry run/);
    const forged = await run({ [Object.keys(manifestOf([docs[0]]))[0]]: 'query Evil { accounts { totalCount } }' });
    expect(forged.code).toBe(1);
    expect(forged.lines[0]).toMatch(/is not the id of its text/);
    expect(await main([], {}, () => undefined)).toBe(2);
  });
});
