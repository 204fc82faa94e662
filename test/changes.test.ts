/**
 * The `changes` subscription over WebSocket (issue 33): real graphql-ws clients against a real server on
 * PostgreSQL. Each subscriber receives only the changes it may read, in commit order, with `node` read as
 * any query reads it (masked where it may not read personal data in full); a cursor resumes exactly where
 * it left off; a rolled-back mutation delivers nothing; a session that ends closes the stream; a page of
 * another origin cannot open a socket.
 */
import { createClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceType } from '../src/shared/enums';
import * as f from './support/factories';
import { serveOverHttp, type HttpServer } from './support/http-server';
import { startServerProcess, type ServerProcess } from './support/server-process';
import { expectOk } from './support/expect';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';
import { SUBSCRIPTION_LIMITS } from '../src/server/subscriptions';
import { IS_SUBSCRIPTION, SSE_READER } from '../src/server/graphiql';

let t: TestApp;
let server: HttpServer;
let kp2mi: Client;
let kesdm: Client;
let kemnaker: Client;
let kemenperin: Client;
let kemenperinId: string;
let industryClause: string;
let trainee: string;
let institution: string;
let kemnakerInstitution: string;

const RENAME = 'mutation($id: ID!, $name: String!) { updateInstitution(input: { id: $id, name: $name }) { id name } }';
const CHANGES = `subscription($after: String, $types: [String!]) {
  changes(after: $after, types: $types) { cursor operation type id occurredAt node { id ... on Institution { name } ... on Trainee { fullName nik } } }
}`;

/**
 * The same without a personal field: it can never write the read log, so its subscribers of one scope are
 * served from one transaction (change-stream.ts's cohorts); CHANGES is read in each subscriber's own.
 */
const PLAIN = `subscription($after: String, $types: [String!]) {
  changes(after: $after, types: $types) { cursor operation type id occurredAt node { id ... on Institution { name } ... on Trainee { status } } }
}`;
/** Each rule of delivery holds on both paths. */
const PATHS = [
  ['read in its own transaction', CHANGES],
  ['read in a transaction shared by its scope', PLAIN],
] as const;

interface Received {
  cursor: string;
  operation: string;
  type: string;
  id: string;
  node: Record<string, unknown> | null;
}

/** A graphql-ws client with this token, and what one subscription of it receives. */
function subscribe(token: string | null, variables: Record<string, unknown> = {}, query = CHANGES, extensions?: Record<string, unknown>) {
  const closed: { code?: number; reason?: string }[] = [];
  const client: WsClient = createClient({
    url: `${server.base.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // Its own report of a refused connection; the test reads `closed` instead.
    onNonLazyError: () => undefined,
    on: { closed: (e) => closed.push({ code: (e as CloseEvent).code, reason: (e as CloseEvent).reason }) },
  });
  const received: Received[] = [];
  const errors: { message: string; extensions?: Record<string, unknown> }[] = [];
  let completed = false;
  const dispose = client.subscribe<{ changes: Received }>(
    { query, variables, ...(extensions ? { extensions } : {}) },
    {
      next: (r) => {
        if (r.data?.changes) received.push(r.data.changes);
        if (r.errors) errors.push(...(r.errors as never[]));
      },
      error: (e) => errors.push(Array.isArray(e) ? e[0] : { message: String((e as CloseEvent).reason ?? e) }),
      complete: () => (completed = true),
    },
  );
  return {
    received,
    errors,
    closed,
    get completed() {
      return completed;
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}

/** The same over Server-Sent Events, at `base`/graphql/stream. */
function subscribeSse(token: string | null, variables: Record<string, unknown> = {}, base = server.base) {
  const client = createSseClient({
    url: `${base}/graphql/stream`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  const received: Received[] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe<{ changes: Received }>(
    { query: CHANGES, variables },
    {
      next: (r) => {
        if (r.data?.changes) received.push(r.data.changes);
        if (r.errors) errors.push(...r.errors);
      },
      error: (e) => errors.push(e),
      complete: () => undefined,
    },
  );
  return {
    received,
    errors,
    close() {
      dispose();
      client.dispose();
    },
  };
}

/** Waits until `check` holds (or fails after `ms`): deliveries are asynchronous by nature. */
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
/** Lets anything that was going to arrive arrive. */
const settle = () => new Promise((r) => setTimeout(r, 1_500));

beforeAll(async () => {
  t = await startTestApp();
  server = await serveOverHttp(t.app);
  const em = t.em();
  const [own, partner, other, industry] = [await t.ministry('KP2MI'), await t.ministry('KESDM'), await t.ministry('KEMNAKER'), await t.ministry('KEMENPERIN')];
  const inst = f.institution(em, own);
  const person = f.trainee(em, own);
  const otherInst = f.institution(em, other);
  await em.flush();
  // KESDM reads KP2MI's institutions and trainees, the trainees without their personal data.
  await f.signedMou(em, own, partner, [{ provider: own, recipient: partner, resources: [ResourceType.INSTITUTION, ResourceType.TRAINEE] }]);
  // KEMENPERIN reads KP2MI's trainees with their personal data.
  industryClause = f.gid(
    (await f.signedMou(em, own, industry, [{ provider: own, recipient: industry, resources: [ResourceType.TRAINEE], personal: true }])).clauses[0],
  );
  kemenperinId = industry.id;
  institution = f.gid(inst);
  trainee = f.gid(person);
  kemnakerInstitution = f.gid(otherInst);
  kp2mi = await t.as(Role.EDITOR, 'KP2MI');
  kesdm = await t.as(Role.VIEWER, 'KESDM');
  kemnaker = await t.as(Role.EDITOR, 'KEMNAKER');
  kemenperin = await t.as(Role.VIEWER, 'KEMENPERIN');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

describe('changes over WebSocket', () => {
  it.each(PATHS)('delivers a change to the ministries that may read the record, and to no other (%s)', async (path, query) => {
    const partner = subscribe(kesdm.token, {}, query);
    const stranger = subscribe(kemnaker.token, {}, query);
    const owner = subscribe(kp2mi.token, {}, query);
    await settle();
    expectOk(await kp2mi.raw(RENAME, { id: institution, name: `Renamed for the stream, ${path}` }));
    // KEMNAKER's own change, so its stream is seen to work.
    expectOk(await kemnaker.raw(RENAME, { id: kemnakerInstitution, name: `KEMNAKER renamed, ${path}` }));
    await until(() => partner.received.length >= 1 && owner.received.length >= 1 && stranger.received.length >= 1);
    await settle();
    expect(partner.received.map((c) => [c.operation, c.type, c.id, c.node])).toEqual([
      ['UPDATED', 'Institution', institution, { id: institution, name: `Renamed for the stream, ${path}` }],
    ]);
    expect(owner.received.map((c) => c.id)).toEqual([institution]);
    expect(stranger.received.map((c) => c.id)).toEqual([kemnakerInstitution]);
    await Promise.all([partner.close(), stranger.close(), owner.close()]);
  });

  it('reads each batch once per scope and executes each document once per change, however many subscribe', async () => {
    const streams = t.app.changeStreams;
    const colleague = await t.as(Role.VIEWER, 'KESDM');
    const editor = await t.as(Role.EDITOR, 'KESDM');
    // Five KESDM viewers (two accounts, two documents) share one scope; a KESDM editor has a scope of its own.
    const viewers = [
      ...[kesdm, kesdm, colleague].map((c) => subscribe(c.token, {}, PLAIN)),
      ...[kesdm, colleague].map((c) => subscribe(c.token, { types: ['Institution'] }, PLAIN)),
    ];
    const editors = [subscribe(editor.token, {}, PLAIN)];
    // And one whose document selects a personal field: it reads in a transaction of its own.
    const personal = subscribe(colleague.token, {}, CHANGES);
    const all = [...viewers, ...editors, personal];
    await settle();
    expect(streams.fanOut).toEqual({ cohorts: 2, members: 6 });
    const before = { ...streams.counts };
    expectOk(await kp2mi.raw(RENAME, { id: institution, name: 'Read once' }));
    await until(() => all.every((s) => s.received.length >= 1));
    await settle();
    for (const s of all) expect(s.received.map((c) => [c.id, c.node?.name])).toEqual([[institution, 'Read once']]);
    // One batch per scope, one execution per distinct document in it; the personal reader's batch is its own.
    expect({ shared: streams.counts.shared - before.shared, executions: streams.counts.executions - before.executions }).toEqual({
      shared: 2,
      executions: 3,
    });
    expect(streams.counts.own - before.own).toBe(1);
    await Promise.all(all.map((s) => s.close()));
  });

  it('reads each node as a query does: masked without personal data, in full with it, and then logged as a read', async () => {
    const masked = subscribe(kesdm.token, { types: ['Trainee'] });
    const full = subscribe(kemenperin.token, { types: ['Trainee'] });
    await settle();
    const reads = async () =>
      (
        await t
          .em()
          .getConnection()
          .execute<{ n: number }[]>(`select count(*)::int as n from personal_data_read where reader_ministry_id = ? and 'nik' = any(fields)`, [kemenperinId])
      )[0].n;
    const before = await reads();
    expectOk(await kp2mi.raw('mutation($id: ID!) { updateTrainee(input: { id: $id, fullName: "Siti Rahayu" }) { id } }', { id: trainee }));
    await until(() => masked.received.length >= 1 && full.received.length >= 1);
    for (const stream of [masked, full])
      expect(stream.received[0]).toMatchObject({ operation: 'UPDATED', type: 'Trainee', id: trainee, node: { fullName: 'Siti Rahayu' } });
    expect(String(masked.received[0].node?.nik)).toMatch(/\*/);
    expect(String(full.received[0].node?.nik)).toMatch(/^\d{16}$/);
    // The full value delivered is in the read log, as a query's would be.
    await settle();
    expect(await reads()).toBe(before + 1);
    await Promise.all([masked.close(), full.close()]);
  });

  it('resumes after a cursor with exactly the changes missed, in order', async () => {
    const first = subscribe(kesdm.token, { types: ['Institution'] });
    await settle();
    expectOk(await kp2mi.raw(RENAME, { id: institution, name: 'Before the gap' }));
    await until(() => first.received.length === 1);
    const cursor = first.received[0].cursor;
    await first.close();
    for (const name of ['Gap one', 'Gap two', 'Gap three']) expectOk(await kp2mi.raw(RENAME, { id: institution, name }));
    const resumed = subscribe(kesdm.token, { types: ['Institution'], after: cursor });
    await until(() => resumed.received.length >= 3);
    await settle();
    // Each node is the record as it is now; the changes are the three, in their order.
    expect(resumed.received.map((c) => c.operation)).toEqual(['UPDATED', 'UPDATED', 'UPDATED']);
    expect(new Set(resumed.received.map((c) => c.cursor)).size).toBe(3);
    await resumed.close();
  });

  it('delivers nothing of a mutation that rolled back', async () => {
    const partner = subscribe(kesdm.token, { types: ['Institution'] });
    await settle();
    // Two mutations in one request, the second refused: neither takes effect (and neither is an event).
    const failed = await kp2mi.raw(
      `mutation($id: ID!) { a: updateInstitution(input: { id: $id, name: "Rolled back" }) { id } b: updateInstitution(input: { id: $id, name: "" }) { id } }`,
      { id: institution },
    );
    expect(failed.errors?.length).toBeGreaterThan(0);
    expectOk(await kp2mi.raw(RENAME, { id: institution, name: 'After the rollback' }));
    await until(() => partner.received.length >= 1);
    await settle();
    expect(partner.received.map((c) => c.node?.name)).toEqual(['After the rollback']);
    await partner.close();
  });

  it('refuses bad arguments with the field at fault, queries over the socket, and a connection without a live token', async () => {
    const bad = subscribe(kesdm.token, { after: 'not-a-cursor' });
    await until(() => bad.errors.length > 0 || bad.completed);
    expect(bad.errors[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    await bad.close();
    const types = subscribe(kesdm.token, { types: ['Nothing'] });
    await until(() => types.errors.length > 0);
    expect(types.errors[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'types' });
    await types.close();
    const query = subscribe(kesdm.token, {}, '{ viewer { role } }');
    await until(() => query.errors.length > 0);
    expect(query.errors[0]?.extensions).toMatchObject({ code: 'BAD_REQUEST' });
    await query.close();
    const anonymous = subscribe(null);
    await until(() => anonymous.closed.length > 0);
    expect(anonymous.closed[0].code).toBe(4403);
    await anonymous.close();
  });

  it('closes the stream within about a second when its session ends', async () => {
    const viewer = await t.as(Role.VIEWER, 'KESDM');
    // A document read in the transaction its scope shares: the session watch closes it all the same.
    const stream = subscribe(viewer.token, {}, PLAIN);
    await settle();
    expectOk(await viewer.raw('mutation { logout }'));
    const ended = Date.now();
    await until(() => stream.closed.length > 0, 4_000);
    expect(stream.closed[0].code).toBe(4401);
    expect(Date.now() - ended).toBeLessThan(2_500);
    await stream.close();
  });

  it('closes the stream when its account is deactivated by its ADMIN', async () => {
    const viewer = await t.as(Role.VIEWER, 'KESDM');
    const admin = await t.as(Role.ADMIN, 'KESDM');
    const stream = subscribe(viewer.token);
    await settle();
    expectOk(await admin.raw('mutation($id: ID!) { updateAccount(input: { id: $id, active: false }) { id active } }', { id: f.gid(viewer.account!) }));
    await until(() => stream.closed.length > 0, 4_000);
    expect(stream.closed[0].code).toBe(4401);
    await stream.close();
  });

  it(`holds a connection to ${SUBSCRIPTION_LIMITS.perConnection} subscriptions at once`, async () => {
    const client = createClient({
      url: `${server.base.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${kesdm.token}` },
      retryAttempts: 0,
    });
    const outcomes: string[] = [];
    const disposers = Array.from({ length: SUBSCRIPTION_LIMITS.perConnection + 1 }, () =>
      client.subscribe(
        { query: CHANGES },
        {
          next: (r) => r.errors && outcomes.push(String(r.errors[0].extensions?.code)),
          error: (e) => outcomes.push(String((e as { extensions?: { code?: string } }[])[0]?.extensions?.code ?? e)),
          complete: () => undefined,
        },
      ),
    );
    await until(() => outcomes.length >= 1);
    await settle();
    expect(outcomes).toEqual(['TOO_MANY_REQUESTS']);
    for (const d of disposers) d();
    await client.dispose();
  });

  it(`holds an account to ${SUBSCRIPTION_LIMITS.perAccount} subscriptions at once, over all its connections`, async () => {
    const viewer = await t.as(Role.VIEWER, 'KESDM');
    const outcomes: string[] = [];
    const clients = Array.from({ length: Math.ceil(SUBSCRIPTION_LIMITS.perAccount / SUBSCRIPTION_LIMITS.perConnection) + 1 }, () =>
      createClient({
        url: `${server.base.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${viewer.token}` },
        retryAttempts: 0,
      }),
    );
    const disposers: (() => void)[] = [];
    for (let i = 0; i <= SUBSCRIPTION_LIMITS.perAccount; i++)
      disposers.push(
        clients[Math.floor(i / SUBSCRIPTION_LIMITS.perConnection)].subscribe(
          { query: PLAIN },
          {
            next: (r) => r.errors && outcomes.push(String(r.errors[0].extensions?.code)),
            error: (e) => outcomes.push(String((e as { extensions?: { code?: string } }[])[0]?.extensions?.code ?? e)),
            complete: () => undefined,
          },
        ),
      );
    await until(() => outcomes.length >= 1);
    await settle();
    // The one past the account's limit, on a connection of its own that is far from its limit.
    expect(outcomes).toEqual(['TOO_MANY_REQUESTS']);
    for (const d of disposers) d();
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it("runs an app's registered subscription by documentId, and refuses its text where the app is held to its documents", async () => {
    const admin = await t.as(Role.ADMIN, 'KESDM');
    const created = expectOk(
      await admin.raw(
        'mutation { createApiClient(input: { name: "Dashboard", role: VIEWER, requireTrustedDocuments: true }) { client { id clientId } clientSecret } }',
      ),
    ).createApiClient;
    expectOk(
      await admin.raw('mutation($c: ID!, $d: [String!]!) { registerTrustedDocuments(clientId: $c, documents: $d) { added } }', {
        c: created.client.id,
        d: [CHANGES],
      }),
    );
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: created.client.clientId, client_secret: created.clientSecret });
    const token = (
      (await (
        await fetch(`${server.base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
      ).json()) as { access_token: string }
    ).access_token;
    const documentId = `sha256:${createHash('sha256').update(CHANGES).digest('hex')}`;
    const byId = subscribe(token, { types: ['Institution'] }, '', { documentId });
    const byText = subscribe(token, { types: ['Institution'] });
    await until(() => byText.errors.length > 0);
    expect(byText.errors[0]?.extensions).toMatchObject({ code: 'TRUSTED_DOCUMENT_REQUIRED' });
    expectOk(await kp2mi.raw(RENAME, { id: institution, name: 'Seen by the app' }));
    await until(() => byId.received.length >= 1);
    expect(byId.received[0].node?.name).toBe('Seen by the app');
    await Promise.all([byId.close(), byText.close()]);
  });

  it('delivers over Server-Sent Events as over WebSocket, and refuses a stream without a live token', async () => {
    const partner = subscribeSse(kesdm.token, { types: ['Institution'] });
    const anonymous = subscribeSse(null);
    await settle();
    expectOk(await kp2mi.raw(RENAME, { id: institution, name: 'Over SSE' }));
    await until(() => partner.received.length >= 1 && anonymous.errors.length >= 1);
    expect(partner.received.map((c) => [c.operation, c.id, c.node?.name])).toEqual([['UPDATED', institution, 'Over SSE']]);
    expect(String(anonymous.errors[0])).toMatch(/401|Unauthorized|token/i);
    partner.close();
    anonymous.close();
  });

  it("runs in GraphiQL: the page's own event-stream reader yields each change, and its test tells a subscription from a query", async () => {
    const isSubscription = new Function(`return ${IS_SUBSCRIPTION}`)() as (p: { query: string; operationName?: string }) => boolean;
    expect(isSubscription({ query: CHANGES })).toBe(true);
    expect(isSubscription({ query: '# subscription\n{ viewer { role } }' })).toBe(false);
    expect(isSubscription({ query: 'query A { viewer { role } } subscription B { changes { id } }', operationName: 'B' })).toBe(true);
    const streamSse = new Function(`${SSE_READER}; return streamSse;`)() as (
      url: string,
      body: unknown,
      token: string,
    ) => AsyncGenerator<{ data?: { changes: Received } }>;
    const stream = streamSse(`${server.base}/graphql/stream`, { query: CHANGES, variables: { types: ['Institution'] } }, kesdm.token!);
    const first = stream.next();
    await settle();
    expectOk(await kp2mi.raw(RENAME, { id: institution, name: 'Seen in GraphiQL' }));
    const { value } = await first;
    expect(value?.data?.changes.node?.name).toBe('Seen in GraphiQL');
    await stream.return(undefined);
  });

  it('delivers each change to the subscribers of every server process', async () => {
    let second: ServerProcess | undefined;
    try {
      second = await startServerProcess({ DATABASE_URL: t.databaseUrl, JWT_SECRET: t.config.jwtSecret, AUDIT_KEY: t.config.auditKey, REDIS_URL: '' });
      const here = subscribe(kesdm.token, { types: ['Institution'] });
      const there = subscribeSse(kesdm.token, { types: ['Institution'] }, second.url.replace(/\/graphql$/, ''));
      await settle();
      expectOk(await kp2mi.raw(RENAME, { id: institution, name: 'Seen at both' }));
      await until(() => here.received.length >= 1 && there.received.length >= 1, 8_000);
      expect(here.received.map((c) => c.node?.name)).toEqual(['Seen at both']);
      expect(there.received.map((c) => c.node?.name)).toEqual(['Seen at both']);
      await here.close();
      there.close();
    } finally {
      await second?.stop();
    }
  });

  it.each(PATHS)('stops delivering a partner’s rows from the next change on once its MoU has ended (%s)', async (_path, query) => {
    const em = t.em();
    const [own, partner] = [await t.ministry('KP2MI'), await t.ministry('KEMNAKER')];
    const { mou } = await f.signedMou(em, own, partner, [{ provider: own, recipient: partner, resources: [ResourceType.INSTITUTION] }]);
    const watcher = subscribe(kemnaker.token, { types: ['Institution'] }, query);
    const owner = subscribe(kp2mi.token, { types: ['Institution'] }, query);
    await settle();
    expectOk(await kp2mi.raw(RENAME, { id: institution, name: 'While in force' }));
    await until(() => watcher.received.length === 1 && owner.received.length === 1);
    // The MoU is terminated (as its parties' ADMINs would, here past the workflow): the next change is not the partner's to see.
    await em.getConnection().execute(`update mou set recorded_status = 'TERMINATED', terminated_at = now() where id = ?`, [mou.id]);
    expectOk(await kp2mi.raw(RENAME, { id: institution, name: 'After the end' }));
    await until(() => owner.received.length === 2);
    await settle();
    expect(watcher.received.map((c) => c.node?.name)).toEqual(['While in force']);
    await Promise.all([watcher.close(), owner.close()]);
  });

  it("tells an MoU's parties of its draft and of each signature, and no one else", async () => {
    const partnerAdmin = await t.as(Role.ADMIN, 'KESDM');
    const party = subscribe(kesdm.token, { types: ['Mou'] });
    const outsider = subscribe(kemnaker.token, { types: ['Mou'] });
    await settle();
    const [own, partner] = [await t.ministry('KP2MI'), await t.ministry('KESDM')];
    const draft = expectOk(
      await kp2mi.raw('mutation($i: CreateMouInput!) { createMou(input: $i) { id digest } }', {
        i: {
          title: 'Pelatihan vokasi energi',
          scope: 'Vocational training for calon PMI',
          validFrom: '2026-01-01',
          validUntil: '2030-12-31',
          partyMinistryIds: [f.gid(own), f.gid(partner)],
        },
      }),
    ).createMou;
    await until(() => party.received.length === 1);
    expect(party.received[0]).toMatchObject({ operation: 'CREATED', type: 'Mou', id: draft.id, node: { id: draft.id } });
    expectOk(
      await partnerAdmin.raw(
        'mutation($id: ID!, $d: String!) { signMou(id: $id, digest: $d, signatoryName: "Menteri ESDM", signatoryTitle: "Menteri") { id } }',
        {
          id: draft.id,
          d: draft.digest,
        },
      ),
    );
    await until(() => party.received.length === 2);
    expect(party.received[1]).toMatchObject({ operation: 'UPDATED', type: 'Mou', id: draft.id });
    await settle();
    expect(outsider.received).toEqual([]);
    await Promise.all([party.close(), outsider.close()]);
  });

  it('masks a partner’s rows from the next change on once its clause is narrowed to no personal data', async () => {
    const full = subscribe(kemenperin.token, { types: ['Trainee'] });
    await settle();
    const rename = (fullName: string) =>
      kp2mi.raw('mutation($id: ID!, $n: String!) { updateTrainee(input: { id: $id, fullName: $n }) { id } }', { id: trainee, n: fullName });
    expectOk(await rename('Before narrowing'));
    await until(() => full.received.length === 1);
    expect(String(full.received[0].node?.nik)).toMatch(/^\d{16}$/);
    const admin = await t.as(Role.ADMIN, 'KP2MI');
    expectOk(
      await admin.raw('mutation($i: NarrowClauseInput!) { narrowMouClause(input: $i) { id } }', {
        i: { clauseId: industryClause, reason: 'Consent for contact data withdrawn', includesPersonalData: false },
      }),
    );
    expectOk(await rename('After narrowing'));
    await until(() => full.received.length === 2);
    expect(full.received[1].node?.fullName).toBe('After narrowing');
    expect(String(full.received[1].node?.nik)).toMatch(/\*/);
    await full.close();
  });

  it('refuses a WebSocket from a page of another origin, and lets the server’s own page and non-browsers in', async () => {
    const upgrade = (origin?: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${server.base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', origin ? { origin } : {});
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
    expect(await upgrade('https://evil.example')).toBe(403);
    expect(await upgrade(server.base)).toBe(101);
    expect(await upgrade()).toBe(101);
  });
});
