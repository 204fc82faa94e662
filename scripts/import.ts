/**
 * `npm run import -- --kind institutions|programs|trainees --file data.csv --as editor@kemnaker.demo [--mode good-rows-only]`
 * Imports a ministry's CSV through the same GraphQL mutation as the API
 * (same validation, scope, audit), as the given account (password in
 * SINERGI_PASSWORD), with a progress bar. Uses DATABASE_URL, or the embedded
 * PostgreSQL of `npm start` (stop the server first).
 */
import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createApp } from '../src/server/app';
import { config } from '../src/config';
import { openDatabase } from '../src/startup/database';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

async function main() {
  const kind = arg('kind')?.toUpperCase();
  const file = arg('file');
  const email = arg('as');
  const mode = arg('mode')?.toUpperCase().replace(/-/g, '_') ?? 'ALL_OR_NOTHING';
  // Never an argument: other users of the machine can read a process's arguments.
  const password = process.env.SINERGI_PASSWORD;
  if (!kind || !file || !email || !password) {
    console.error('usage: SINERGI_PASSWORD=… npm run import -- --kind institutions|programs|trainees --file data.csv --as <e-mail> [--mode good-rows-only]');
    return 2;
  }
  const csv = readFileSync(file, 'utf8');
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, stopRunning: false, auditKey: config.auditKey });
  const app = await createApp({ orm: db.orm, config, log: pino({ level: 'warn' }) });
  try {
    const login = await app.apollo.executeOperation(
      { query: parse('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }'), variables: { e: email, p: password } },
      { contextValue: await app.context(null) },
    );
    const token = login.body.kind === 'single' ? (login.body.singleResult.data as { login?: { token: string } } | null)?.login?.token : undefined;
    if (!token) {
      console.error('login failed');
      return 1;
    }
    const bar = new SingleBar({ format: ' importing |{bar}| {percentage}% {value}/{total}', hideCursor: true }, Presets.shades_classic);
    const ctx = await app.context(`Bearer ${token}`);
    let started = false;
    ctx.progress = (done, total) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    };
    const t0 = Date.now();
    const res = await app.apollo.executeOperation(
      {
        query: parse(
          'mutation($k: ImportKind!, $c: String!, $m: ImportMode) { importCsv(kind: $k, csv: $c, mode: $m) { total created updated unchanged failed skipped written errors { line field message } } }',
        ),
        variables: { k: kind, c: csv, m: mode },
      },
      { contextValue: ctx },
    );
    if (started) bar.stop();
    const seconds = (Date.now() - t0) / 1000;
    if (res.body.kind !== 'single' || res.body.singleResult.errors) {
      console.error(JSON.stringify(res.body.kind === 'single' ? res.body.singleResult.errors : res.body, null, 2));
      return 1;
    }
    const r = (
      res.body.singleResult.data as {
        importCsv: {
          total: number;
          created: number;
          updated: number;
          unchanged: number;
          failed: number;
          written: boolean;
          errors: { line: number; field: string; message: string }[];
        };
      }
    ).importCsv;
    for (const e of r.errors) console.log(`line ${e.line}, ${e.field}: ${e.message}`);
    console.log(
      `${r.total} rows: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.failed} failed; ${r.written ? 'written' : 'nothing written (all or nothing)'}; ${seconds.toFixed(1)} s, ${Math.round(r.total / seconds)} rows/s`,
    );
    return r.failed && !r.written ? 1 : 0;
  } finally {
    await app.stop();
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
