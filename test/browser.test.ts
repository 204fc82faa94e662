/**
 * A real browser on another origin (issue 13): headless Chromium (Debian's
 * `chromium`, driven by playwright-core) loads a page from a second origin
 * whose Apollo Client logs in, pages a list with `relayStylePagination` and
 * runs a mutation against the API, through CORS preflights. The same page
 * from an origin not in CORS_ORIGINS gets nothing through.
 *
 * Skips, saying so, without a Chromium binary (CHROMIUM_PATH, or chromium on
 * the PATH); `.ci/run` installs Debian's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import pino from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { createApp, type App } from '../src/server/app';
import { Institution } from '../src/modules/institution/institution.entity';
import * as ops from './generated/graphql';
import { expectOk } from './support/expect';
import { startTestApp, TEST_PASSWORD, type Client, type TestApp } from './support/test-app';

function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return ['/usr/bin/chromium'].find((p) => existsSync(p));
}

const executablePath = findChromium();
if (!executablePath) console.warn('browser.test.ts: no Chromium (set CHROMIUM_PATH or install Debian chromium): skipped');

/** A static server for the page: an origin of its own. */
async function pageServer(script: string): Promise<{ origin: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>client</title><script src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe.skipIf(!executablePath)('a browser app on another origin', () => {
  let t: TestApp;
  let app: App;
  let api: http.Server;
  let apiUrl: string;
  let editor: Client;
  let browser: Browser;
  let allowed: Awaited<ReturnType<typeof pageServer>>;
  let other: Awaited<ReturnType<typeof pageServer>>;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [path.join(__dirname, 'browser/page.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0].text;
    allowed = await pageServer(script);
    other = await pageServer(script);
    t = await startTestApp();
    app = await createApp({ orm: t.orm, config: { ...t.config, corsOrigins: [allowed.origin] }, log: pino({ level: 'silent' }) });
    api = http.createServer(app.handle);
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/graphql`;
    editor = await t.as(Role.EDITOR, 'KP2MI');
    for (let i = 1; i <= 5; i++) {
      expectOk(
        await editor.exec(ops.CreateInstitutionDocument, {
          input: { name: `BLK Browser ${i}`, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 100, sectors: [], pmiPreparation: true },
        }),
      );
    }
    // As root (CI containers) Chromium needs --no-sandbox; /dev/shm is small in containers.
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    api?.close();
    allowed?.close();
    other?.close();
    await app?.stop();
    await t?.close();
  });

  async function runPage(origin: string) {
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      return (await page.evaluate(([u, e, p]) => (window as unknown as { run: (a: string, b: string, c: string) => Promise<unknown> }).run(u, e, p), [
        apiUrl,
        editor.account!.email,
        TEST_PASSWORD,
      ] as const)) as { firstPage?: string[]; merged?: string[]; created?: { id: string; name: string } | null; error?: string };
    } finally {
      await page.close();
    }
  }

  it('logs in, pages a list into one cached list, and runs a mutation from an allowed origin', async () => {
    const result = await runPage(allowed.origin);
    expect(result.error).toBeUndefined();
    const server = expectOk(await editor.exec(ops.InstitutionsDocument, { first: 4, orderBy: { field: 'CREATED_AT', direction: 'ASC' } }));
    const expected = server.institutions.edges.map((e) => e.node.id);
    expect(result.firstPage).toEqual(expected.slice(0, 2));
    // relayStylePagination merged the second page after the first, in the cache.
    expect(result.merged).toEqual(expected);
    expect(result.created?.name).toBe('BLK Browser Test');
    const kp2mi = await t.ministry('KP2MI');
    expect(await t.em().count(Institution, { name: 'BLK Browser Test', ownerMinistry: kp2mi.id })).toBe(1);
  }, 60_000);

  it('gets nothing through from an origin not in CORS_ORIGINS', async () => {
    const before = await t.em().count(Institution, {});
    const result = await runPage(other.origin);
    expect(result.error).toMatch(/fetch/i);
    expect(result.firstPage).toBeUndefined();
    expect(await t.em().count(Institution, {})).toBe(before);
  }, 60_000);
});
