/**
 * The access log (access-log.ts): one line per request with its id,
 * operation and caller, error lines carrying the request id, and never a
 * NIK, a name, a password or a token, wherever the client put them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/server/app';
import { Role } from '../src/access/roles';
import { toGlobalId } from '../src/shared/global-id';
import { appendEvent } from '../src/modules/audit/audit.writer';
import * as f from './support/factories';
import { startTestApp, TEST_PASSWORD, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let app: App;
let server: http.Server;
let url: string;
let editor: Client;
const lines: string[] = [];
let nik: string;
let fullName: string;
let institutionId: string;

beforeAll(async () => {
  t = await startTestApp();
  // The same database and settings, logging everything from `debug` up into `lines`; renaming an
  // institution fails in its audit append, as an unexpected error would.
  app = await createApp({
    orm: t.orm,
    config: t.config,
    log: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }),
    appendAudit: async (em, key, content) => {
      if (content.operation === 'updateInstitution') throw new Error('the audit store is unreachable');
      return appendEvent(em, key, content);
    },
  });
  server = http.createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  editor = await t.as(Role.EDITOR, 'KP2MI');
  const em = t.em();
  const kp2mi = await t.ministry('KP2MI');
  const person = f.trainee(em, kp2mi);
  const inst = f.institution(em, kp2mi);
  await em.flush();
  ({ nik, fullName } = person);
  institutionId = toGlobalId('Institution', inst.id);
});
afterAll(async () => {
  server?.close();
  await app?.stop();
  await t?.close();
});

async function post(body: unknown, opts: { token?: string | null; id?: string } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.id ? { 'x-request-id': opts.id } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    id: res.headers.get('x-request-id'),
    body: (await res.json()) as { data?: Record<string, any>; errors?: { extensions?: { code?: string } }[] },
  };
}

const logged = () => lines.map((l) => JSON.parse(l) as Record<string, any>);
const accessLine = (id: string) => logged().filter((l) => l.requestId === id && (l.msg === 'request' || l.msg === 'request failed'));

describe('the access log', () => {
  it('writes one line per request, with what the operation was and who asked, and sends the id back', async () => {
    const login = await post(
      { query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', variables: { e: editor.account!.email, p: TEST_PASSWORD } },
      { id: 'req-login' },
    );
    const token = login.body.data?.login.token as string;
    expect(token).toBeTruthy();
    const list = await post({ query: 'query Trainees { trainees(first: 5) { edges { node { nik fullName } } } }' }, { token, id: 'req-list' });
    expect(list.id).toBe('req-list');
    expect(JSON.stringify(list.body)).toContain(nik);
    const [line] = accessLine('req-list');
    const kp2mi = await t.ministry('KP2MI');
    expect(line).toMatchObject({
      level: 30,
      req: { method: 'POST', path: '/graphql' },
      res: { status: 200 },
      operationName: 'Trainees',
      operationType: 'query',
      accountId: editor.account!.id,
      ministryId: kp2mi.id,
      errorCodes: [],
    });
    expect(line.ms).toEqual(expect.any(Number));
    expect(accessLine('req-list')).toHaveLength(1);
    // A login's line names the account it logged in.
    expect(accessLine('req-login')[0]).toMatchObject({ operationType: 'mutation', accountId: editor.account!.id, errorCodes: [] });

    // A request without an id of its own gets one, in the header and the line alike.
    const anonymous = await post({ query: '{ trainees(first: 1) { totalCount } }' });
    expect(anonymous.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(accessLine(anonymous.id!)[0]).toMatchObject({ accountId: null, errorCodes: ['UNAUTHENTICATED'] });
  });

  it('names the error codes of a refused answer, and never the values that were refused', async () => {
    const bad = await post(
      {
        query: 'query Find($f: TraineeFilter, $n: Int) { trainees(filter: $f, first: $n) { totalCount } }',
        variables: { f: { nik, search: fullName }, n: -1 },
      },
      { token: editor.token, id: 'req-bad' },
    );
    expect(bad.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(accessLine('req-bad')[0]).toMatchObject({ operationName: 'Find', errorCodes: ['BAD_USER_INPUT'] });
    // A GET carries the query and its variables in the URL: the line has the path only.
    const get = await fetch(`${url}?query=${encodeURIComponent(`{ trainees(filter: { nik: "${nik}" }) { totalCount } }`)}`, {
      headers: { authorization: `Bearer ${editor.token}`, 'x-request-id': 'req-get', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(accessLine('req-get')[0]).toMatchObject({ req: { method: 'GET', path: '/graphql' } });
  });

  it('logs an unexpected error with the request id of the request it broke', async () => {
    const res = await post(
      {
        query: 'mutation Rename($id: ID!, $name: String!) { updateInstitution(input: { id: $id, name: $name }) { id } }',
        variables: { id: institutionId, name: 'LPK Baru' },
      },
      { token: editor.token, id: 'req-boom' },
    );
    expect(res.body.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const unexpected = logged().filter((l) => l.msg === 'unexpected error in a resolver');
    expect(unexpected.length).toBeGreaterThan(0);
    expect(unexpected.every((l) => l.requestId === 'req-boom')).toBe(true);
    expect(accessLine('req-boom')[0]).toMatchObject({ operationType: 'mutation', errorCodes: ['INTERNAL_SERVER_ERROR'] });
  });

  it('holds no personal data, password or token in any line', async () => {
    const text = lines.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [nik, fullName, TEST_PASSWORD, editor.token!]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWT of any request
  });
});
