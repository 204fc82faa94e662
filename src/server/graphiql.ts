/**
 * GraphiQL served by the API itself from node_modules: it must work on a
 * machine with no internet access, so nothing comes from a CDN. A small bar
 * above it logs in with the demo accounts (or takes a pasted token) and sends
 * the token as a Bearer header on every request.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compressStatic, type Encoding } from './compression';

/** A file inside an installed package, found without relying on its `exports` map (UMD builds are not exported). */
function asset(pkg: string, file: string): string {
  let dir = path.dirname(require.resolve(pkg));
  while (!existsSync(path.join(dir, 'package.json')) || JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== pkg) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the ${pkg} package`);
    dir = up;
  }
  return path.join(dir, file);
}

/** URL path -> [file, content type]. */
export const GRAPHIQL_ASSETS: Record<string, [string, string]> = {
  '/graphiql/react.js': [asset('react', 'umd/react.production.min.js'), 'text/javascript; charset=utf-8'],
  '/graphiql/react-dom.js': [asset('react-dom', 'umd/react-dom.production.min.js'), 'text/javascript; charset=utf-8'],
  '/graphiql/graphiql.js': [asset('graphiql', 'graphiql.min.js'), 'text/javascript; charset=utf-8'],
  '/graphiql/graphiql.css': [asset('graphiql', 'graphiql.min.css'), 'text/css; charset=utf-8'],
};

const cache = new Map<string, Buffer>();
const packed = new Map<string, Promise<Buffer>>();
/**
 * A GraphiQL file, in the encoding asked for: compressed once, when first asked for, on the thread pool
 * (GraphiQL's script is ~1 MB: at brotli's best quality that is seconds no request should wait behind).
 */
export async function graphiqlAsset(
  path: string,
  encoding: Encoding | null = null,
): Promise<{ body: Buffer; type: string; encoding: Encoding | null } | undefined> {
  const entry = GRAPHIQL_ASSETS[path];
  if (!entry) return undefined;
  let plain = cache.get(path);
  if (!plain) cache.set(path, (plain = readFileSync(entry[0])));
  if (!encoding) return { body: plain, type: entry[1], encoding: null };
  const key = `${encoding}:${path}`;
  let body = packed.get(key);
  if (!body) packed.set(key, (body = compressStatic(plain, encoding)));
  return { body: await body, type: entry[1], encoding };
}

const DEFAULT_QUERY = `# Log in above (e.g. editor@kemenperin.demo), then run:
query FirstLook {
  viewer {
    email
    role
    ministry { code name }
  }
  institutions(first: 5, orderBy: { field: NAME }) {
    totalCount
    edges {
      node {
        id
        name
        type
        provinceCode
        annualCapacity
        programs(first: 3) {
          edges { node { title sector targetCountryCodes } }
        }
      }
    }
  }
}
`;

/**
 * GraphiQL's subscriptions: the page posts a subscription to /graphql/stream and reads its Server-Sent Events
 * (graphql-sse's distinct-connections protocol: `event: next` with a result, then `event: complete`), each
 * result yielded to GraphiQL as it arrives; stopping it in GraphiQL cancels the request. Plain script, so the
 * page needs no bundle; a test runs this very text against a server (test/changes.test.ts).
 */
export const SSE_READER = `async function* streamSse(url, body, token) {
  const controller = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: Object.assign({ 'content-type': 'application/json', accept: 'text/event-stream' }, token ? { authorization: 'Bearer ' + token } : {}),
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  if (!(res.headers.get('content-type') || '').includes('text/event-stream')) {
    yield await res.json().catch(() => ({ errors: [{ message: 'HTTP ' + res.status }] }));
    return;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\\r\\n/g, '\\n');
      let end;
      while ((end = buffer.indexOf('\\n\\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = message.split('\\n');
        const event = (lines.find((l) => l.startsWith('event:')) || 'event: message').slice(6).trim();
        const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\\n');
        if (event === 'complete') return;
        if (event === 'next' && data) yield JSON.parse(data);
      }
    }
  } finally {
    controller.abort();
  }
}`;

/** Whether GraphiQL's operation is a subscription (the one it names, or the document's only one). */
export const IS_SUBSCRIPTION = `(params) => {
  const text = String(params.query || '').replace(/#[^\\n]*/g, '');
  const named = params.operationName && new RegExp('\\\\b(query|mutation|subscription)\\\\s+' + params.operationName + '\\\\b').exec(text);
  return (named ? named[1] : (/^\\s*(query|mutation|subscription)\\b/.exec(text) || [])[1]) === 'subscription';
}`;

export function graphiqlPage(demoPassword: string | null): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sinergi GraphiQL</title>
<link rel="stylesheet" href="/graphiql/graphiql.css">
<style>
  body { margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
  #login { display: flex; gap: .5rem; align-items: center; padding: .4rem .8rem; background: #0b3d6b; color: #fff; font-size: 14px; flex-wrap: wrap; }
  #login input { padding: .25rem .4rem; border-radius: 4px; border: 0; }
  #login button { padding: .25rem .7rem; border-radius: 4px; border: 0; cursor: pointer; }
  #who { margin-left: auto; opacity: .9; }
  #graphiql { flex: 1; }
</style>
</head>
<body>
<form id="login">
  <strong>Sinergi</strong>
  <input id="email" type="email" placeholder="e-mail, e.g. editor@kp2mi.demo" autocomplete="username" size="28">
  <input id="password" type="password" placeholder="password" autocomplete="current-password" value="${demoPassword ? escapeHtml(demoPassword) : ''}">
  <button type="submit">Log in</button>
  <input id="token" placeholder="…or paste a token" size="24">
  <button type="button" id="use">Use token</button>
  <button type="button" id="logout">Log out</button>
  <span id="who"></span>
</form>
<div id="graphiql"></div>
<script src="/graphiql/react.js"></script>
<script src="/graphiql/react-dom.js"></script>
<script src="/graphiql/graphiql.js"></script>
<script>
  const KEY = 'sinergi.token';
  // The refresh token: GraphiQL trades it for a new access token before the old one expires, unnoticed.
  const REFRESH = 'sinergi.refresh';
  const DEVICE = 'sinergi.device';
  const who = document.getElementById('who');
  const expiry = (t) => { try { return JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp * 1000; } catch { return 0; } };
  const show = () => {
    const t = localStorage.getItem(KEY);
    if (!t) { who.textContent = 'not logged in'; return; }
    try { const p = JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))); who.textContent = 'logged in: ' + p.role + (localStorage.getItem(REFRESH) ? ' (renewed as it expires)' : ' (token until ' + new Date(p.exp * 1000).toLocaleTimeString() + ')'); }
    catch { who.textContent = 'token set'; }
  };
  const send = (body, token) => fetch('/graphql', {
    method: 'POST',
    headers: Object.assign({ 'content-type': 'application/json' }, token ? { authorization: 'Bearer ' + token } : {}),
    body: JSON.stringify(body),
  }).then((r) => r.json());
  let refreshing = null;
  const refresh = () => refreshing || (refreshing = (async () => {
    const r = await send({ query: 'mutation Refresh($r: String!) { refreshToken(refreshToken: $r) { token refreshToken } }', variables: { r: localStorage.getItem(REFRESH) } });
    // A refresh token is good once: keep the new one.
    if (r.data && r.data.refreshToken) { localStorage.setItem(KEY, r.data.refreshToken.token); localStorage.setItem(REFRESH, r.data.refreshToken.refreshToken); }
    else { localStorage.removeItem(KEY); localStorage.removeItem(REFRESH); }
    show();
  })().finally(() => { refreshing = null; }));
  const post = async (body) => {
    // A minute before the access token expires, a new one; and once more if the server says it has.
    if (localStorage.getItem(REFRESH) && expiry(localStorage.getItem(KEY) || '') - Date.now() < 60000) await refresh();
    let r = await send(body, localStorage.getItem(KEY));
    const reason = r.errors && r.errors[0] && r.errors[0].extensions && r.errors[0].extensions.reason;
    if (reason === 'TOKEN_EXPIRED' && localStorage.getItem(REFRESH)) { await refresh(); r = await send(body, localStorage.getItem(KEY)); }
    return r;
  };
  document.getElementById('login').addEventListener('submit', async (e) => {
    e.preventDefault();
    localStorage.removeItem(KEY);
    localStorage.removeItem(REFRESH);
    // The device token of an earlier login here: others' failed logins from this network then never hold this browser up.
    const r = await send({ query: 'mutation Login($email: String!, $password: String!, $device: String) { login(email: $email, password: $password, deviceToken: $device) { token refreshToken deviceToken } }',
      variables: { email: document.getElementById('email').value, password: document.getElementById('password').value, device: localStorage.getItem(DEVICE) } });
    if (r.data && r.data.login) { localStorage.setItem(KEY, r.data.login.token); localStorage.setItem(REFRESH, r.data.login.refreshToken); localStorage.setItem(DEVICE, r.data.login.deviceToken); show(); }
    else { who.textContent = (r.errors && r.errors[0].message) || 'login failed'; }
  });
  document.getElementById('use').onclick = () => { localStorage.setItem(KEY, document.getElementById('token').value.trim()); localStorage.removeItem(REFRESH); show(); };
  // Ends the session on the server too, not only here.
  document.getElementById('logout').onclick = async () => {
    const r = localStorage.getItem(REFRESH);
    if (r) await send({ query: 'mutation Logout($r: String) { logout(refreshToken: $r) }', variables: { r } }).catch(() => undefined);
    localStorage.removeItem(KEY); localStorage.removeItem(REFRESH); show();
  };
  show();
  ${SSE_READER}
  const isSubscription = ${IS_SUBSCRIPTION};
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, {
    // Subscriptions as Server-Sent Events (/graphql/stream); everything else as a POST.
    fetcher: (params) => (isSubscription(params) ? streamSse('/graphql/stream', params, localStorage.getItem(KEY)) : post(params)),
    defaultQuery: ${JSON.stringify(DEFAULT_QUERY)},
  }));
</script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
