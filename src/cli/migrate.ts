/**
 * `npm run migrate`: applies pending migrations and lets the app role log in,
 * then exits. What the server does at start anyway; a deployment of several
 * API processes runs it once, before they start, so that they never race to
 * migrate the same database (compose.yaml's `migrate` service).
 */
import 'reflect-metadata';
import { config, envFile } from '../config';
import { openDatabase } from '../startup/database';
import { seedReference } from '../seed/demo';

async function main() {
  if (envFile) process.stderr.write(`settings from ${envFile}\n`);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    appUrl: config.databaseAppUrl,
    dataDir: config.dataDir,
    stopRunning: false,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    await seedReference(db.adminOrm);
  } finally {
    await db.close();
  }
  process.stdout.write('migrations applied\n');
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
