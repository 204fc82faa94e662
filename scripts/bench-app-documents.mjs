/**
 * `npm run bench:app-documents`: the shared PostGraphile harness (../shared/bench-postgraphile), Q1–Q4, run
 * twice on one bench database — first as it is (staff, each query sent as text), then with Sinergi's requests
 * sent as a client app does (issue 32): an app token from POST /oauth/token and each query by its
 * `documentId`, the app held to its registered documents, its quota counted on every request. It prints both
 * runs' `perf:` lines (Sinergi / PostGraphile requests per second), so the two ratios come from the same
 * machine, database and harness.
 *
 * The harness is copied to a directory of its own and its bench.mjs patched there (the shared copy is only
 * read): after its editor logs in, the editor's ministry ADMIN registers an app, its documents and requires
 * them; the load phase's Sinergi requests then carry the app's token and `{"documentId": …}`. Answers are
 * still checked against the same references (the text sent by staff), so an app request that answered
 * anything else would count as an error.
 *
 *   DURATION=5 ROUNDS=1 PERF_WORK=/tmp/sinergi-perf npm run bench:app-documents
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const shared = process.env.BENCH_HARNESS ?? path.resolve(import.meta.dirname, '..', '..', 'shared', 'bench-postgraphile');
const dir = mkdtempSync(path.join(tmpdir(), 'bench-app-documents-'));
cpSync(shared, dir, { recursive: true });

const file = path.join(dir, 'bench.mjs');
let bench = readFileSync(file, 'utf8');
const patch = (anchor, replacement) => {
  if (!bench.includes(anchor)) throw new Error(`the harness changed: no "${anchor.slice(0, 60)}…" in bench.mjs`);
  bench = bench.replace(anchor, replacement);
};
patch('import path from "node:path";', 'import path from "node:path";\nimport { createHash } from "node:crypto";');
patch(
  '  const tok = await login(S, EDITOR);\n  const RESOURCES',
  `  const tok = await login(S, EDITOR);
  // Sinergi as a client app (bench-app-documents): the editor's ministry ADMIN registers an app and Q's documents.
  const APP = env.APP_DOCUMENTS === "1" ? await (async () => {
    const admin = await login(S, EDITOR.replace(/^[^@]*@/, "admin@"));
    const call = async (query, variables) => { const r = await gql(S.url, query, { variables, token: admin }); if (!r.json?.data) throw new Error(r.text.slice(0, 300)); return r.json.data; };
    const { createApiClient: c } = await call("mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { client { id clientId } clientSecret } }", { i: { name: "Bench app " + Date.now(), role: "EDITOR", requireTrustedDocuments: true } });
    const texts = QUERIES.filter((q) => q !== "q5").map((q) => Q[q].s);
    await call("mutation($c: ID!, $d: [String!]!) { registerTrustedDocuments(clientId: $c, documents: $d) { added } }", { c: c.client.id, d: texts });
    const r = await fetch(S.url.replace(/\\/graphql$/, "/oauth/token"), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "client_credentials", client_id: c.client.clientId, client_secret: c.clientSecret }) });
    const token = (await r.json()).access_token; if (!token) throw new Error("no app token");
    const ids = Object.fromEntries(QUERIES.filter((q) => q !== "q5").map((q) => [q, "sha256:" + createHash("sha256").update(Q[q].s).digest("hex")]));
    log("Sinergi's load requests: a client app's token, each query by documentId (" + Object.values(ids).length + " registered documents, text refused)");
    return { token, ids };
  })() : null;
  const RESOURCES`,
);
patch(
  '          : { method: "POST", path: "/graphql", headers: { "content-type": "application/json", authorization: `Bearer ${tok}` }, body: JSON.stringify({ query: Q[q][srv.kind] }) };',
  '          : APP && srv.kind === "s" ? { method: "POST", path: "/graphql", headers: { "content-type": "application/json", authorization: `Bearer ${APP.token}` }, body: JSON.stringify({ documentId: APP.ids[q] }) }\n          : { method: "POST", path: "/graphql", headers: { "content-type": "application/json", authorization: `Bearer ${tok}` }, body: JSON.stringify({ query: Q[q][srv.kind] }) };',
);
writeFileSync(file, bench);

const env = {
  ...process.env,
  SRC_REPO: process.env.SRC_REPO ?? path.resolve(import.meta.dirname, '..'),
  QUERIES: 'q1,q2,q3,q4',
  // The harness reads EDITOR as the account to log in; a shell's EDITOR (vi) is no account.
  EDITOR: /@/.test(process.env.EDITOR ?? '') ? process.env.EDITOR : 'editor@kemendikdasmen.demo',
  // The app's quota must not be what is measured: far above what 32 connections can ask in a window.
  APP_QUOTA_REQUESTS: '10000000',
  APP_QUOTA_MAX_REQUESTS: '10000000',
  APP_QUOTA_COST: '2000000000',
  APP_QUOTA_MAX_COST: '2000000000',
};
const run = (extra) => {
  const out = execFileSync('bash', [path.join(dir, 'run.sh')], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(out);
  return (
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('perf:'))
      .at(-1) ?? '(no perf line)'
  );
};
const staff = run({ KEEP_DB: '1', REUSE_DB: '1' });
const app = run({ APP_DOCUMENTS: '1', REUSE_DB: '1' });
console.log(`\nstaff, queries as text:        ${staff}\napp, queries by documentId:    ${app}`);
