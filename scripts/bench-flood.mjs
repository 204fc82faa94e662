// One flood of `npm run bench:abuse` (issue 29), in a process of its own: the load it generates (megabytes of
// bodies, hundreds of connections) must not slow the server's or the light client's event loop, which would be
// measured as the server's slowness. Reads its task from argv[2] (JSON), answers the statuses it saw on IPC.
const { flood, url, base, tokens, seconds } = JSON.parse(process.argv[2]);
const end = Date.now() + seconds * 1000;
const statuses = {};
const note = (s) => (statuses[s] = (statuses[s] ?? 0) + 1);
const status = async (res) => {
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
};
const post = (body, token, headers = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  }).then(status, () => 0);
const q = (query, variables) => JSON.stringify({ query, variables });
const exportOnce = (token) => fetch(`${base}/export/trainees.csv`, { headers: { authorization: `Bearer ${token}` } }).then(status, () => 0);
const heavyKinds = [
  (token) => post(q('{ statistics { traineeCount traineesByOriginProvince { key count } institutionsByProvince { key count } } }'), token),
  (token) => post(q('{ trainees(first: 1000) { edges { node { id fullName sex originProvinceCode status } } } }'), token),
  exportOnce,
];

const floods = {
  // One account: 100 exports at once, again and again.
  async exports() {
    while (Date.now() < end) for (const s of await Promise.all(Array.from({ length: 100 }, () => exportOnce(tokens[0])))) note(s);
  },
  // 16 clients, each cycling through statistics, a 1,000-row page and an export.
  async heavy() {
    await Promise.all(
      tokens.map(async (token, i) => {
        for (let n = i; Date.now() < end; n++) note(await heavyKinds[n % heavyKinds.length](token));
      }),
    );
  },
  // 300 failed logins from 10 addresses (X-Forwarded-For, with TRUST_PROXY=1), 30 at a time.
  async logins() {
    for (let round = 0; round < 300 && Date.now() < end; round += 30)
      for (const s of await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          post(
            q('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
              e: `guess${(round + i) % 37}@kemnaker.demo`,
              p: `wrong-${round + i}`,
            }),
            null,
            {
              'x-forwarded-for': `198.51.100.${(round + i) % 10}`,
            },
          ),
        ),
      ))
        note(s);
  },
  // Four 8 MB bodies of nested arrays at once, signed in.
  async nested() {
    const body = `{"query":"{ __typename }","variables":{"a":${'['.repeat(4 * 1024 * 1024)}${']'.repeat(4 * 1024 * 1024)}}}`;
    while (Date.now() < end) for (const s of await Promise.all(tokens.slice(0, 4).map((t) => post(body, t)))) note(s);
  },
};

await floods[flood]();
process.send(statuses, () => process.exit(0));
