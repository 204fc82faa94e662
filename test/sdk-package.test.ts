/**
 * The SDK as an app outside this repository gets it (issue 32, item 6): built, packed with `npm pack`, and
 * installed from the tarball beside its peer dependencies into an empty app, which then has one copy of
 * `@apollo/client` and of `graphql`; and every example of the SDK's README run there as written, against a
 * real server on the demo data — only the server's address put in.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/seed/demo';
import { expectOk } from './support/expect';
import { serveOverHttp, type HttpServer } from './support/http-server';
import { Role, startTestApp, type TestApp } from './support/test-app';

const root = path.resolve(__dirname, '..');
const sdk = path.join(root, 'clients', 'typescript');
const versionOf = (name: string) => (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

let t: TestApp;
let server: HttpServer;
let app: string;
let pkg: string;

beforeAll(async () => {
  t = await startTestApp();
  await seedDemo(t.adminOrm);
  server = await serveOverHttp(t.app);
  app = mkdtempSync(path.join(tmpdir(), 'sinergi-sdk-app-'));
  // Built and packed from a copy of the package: test/sdk.test.ts rebuilds clients/typescript/dist at the same time.
  pkg = mkdtempSync(path.join(tmpdir(), 'sinergi-sdk-pack-'));
  for (const f of ['package.json', 'README.md', 'tsconfig.json', 'trusted-documents.json', 'src'])
    cpSync(path.join(sdk, f), path.join(pkg, f), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
  execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: pkg, stdio: 'pipe' });
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: pkg, encoding: 'utf8' }).trim().split('\n').at(-1) ?? '';
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'an-app', private: true, type: 'module' }));
  // The peers at the versions this repository has installed: npm's cache holds them, so no network is needed.
  const peers = ['@apollo/client', 'graphql', 'rxjs'].map((p) => `${p}@${versionOf(p)}`);
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`, ...peers], { cwd: app, stdio: 'pipe' });
}, 240_000);
afterAll(async () => {
  await server?.close();
  await t?.close();
  for (const dir of [app, pkg]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every installed copy of a package in the app: its directories named `node_modules/<name>`. */
function copiesOf(dir: string, name: string): string[] {
  const out: string[] = [];
  const walk = (modules: string) => {
    let entries: string[];
    try {
      entries = readdirSync(modules);
    } catch {
      return;
    }
    for (const entry of entries) {
      const names = entry.startsWith('@') ? readdirSync(path.join(modules, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const n of names) {
        if (n === name) out.push(path.join(modules, n));
        walk(path.join(modules, n, 'node_modules'));
      }
    }
  };
  walk(path.join(dir, 'node_modules'));
  return out;
}

describe("the SDK from npm pack's tarball, in an app of its own", () => {
  it('installs with one copy of @apollo/client and of graphql', () => {
    expect(copiesOf(app, '@apollo/client')).toHaveLength(1);
    expect(copiesOf(app, 'graphql')).toHaveLength(1);
    expect(copiesOf(app, '@sinergi/client')).toHaveLength(1);
    expect(readdirSync(path.join(app, 'node_modules', '@sinergi', 'client'))).toContain('trusted-documents.json');
  });

  it('runs every example of its README as written, against a real server', async () => {
    const readme = readFileSync(path.join(sdk, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    // The client app of the README's second example, with the manifest registered and required.
    const admin = await t.as(Role.ADMIN, 'KEMNAKER');
    const created = expectOk(
      await admin.raw('mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { client { id clientId } clientSecret } }', {
        i: { name: 'README app', role: 'VIEWER', requireTrustedDocuments: true },
      }),
    ).createApiClient;
    const manifest = JSON.parse(readFileSync(path.join(sdk, 'trusted-documents.json'), 'utf8')) as Record<string, string>;
    expectOk(
      await admin.raw('mutation($c: ID!, $d: [String!]!) { registerTrustedDocuments(clientId: $c, documents: $d) { added } }', {
        c: created.client.id,
        d: Object.values(manifest),
      }),
    );
    const uri = `${server.base}/graphql`;
    for (const [i, example] of examples.entries()) {
      const file = path.join(app, `readme-example-${i}.mts`);
      writeFileSync(file, example.replaceAll('http://127.0.0.1:4000/graphql', uri).replaceAll('https://sinergi.example.go.id/graphql', uri));
      // Not spawnSync: the server answering the example runs in this process.
      const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          ['--import', path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs'), file],
          {
            cwd: app,
            encoding: 'utf8',
            timeout: 60_000,
            env: { ...process.env, SINERGI_CLIENT_ID: created.client.clientId, SINERGI_CLIENT_SECRET: created.clientSecret },
          },
          (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
        ),
      );
      expect(run.status, `README example ${i + 1}:\n${run.stdout}\n${run.stderr}`).toBe(0);
    }
  }, 180_000);
});
