import { MikroORM } from '@mikro-orm/postgresql';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../db/embedded-postgres';
import { ensureAppLogin, lockDownDatabase } from '../db/app-role';
import { registerAuditKeyAt } from '../modules/audit/audit-key';
import { ormOptions } from './orm.config';
import { replicaAppUrls } from '../db/replicas';

export interface Database {
  /** Serves requests as the unprivileged app role (row-level security applies). */
  orm: MikroORM;
  /** Owner rights: migrations and seeding only. */
  adminOrm: MikroORM;
  /** Read replicas, connected as the app role (DATABASE_REPLICA_URLS); empty without. */
  replicas: MikroORM[];
  url: string;
  embedded?: EmbeddedCluster;
  close(): Promise<void>;
}

/**
 * Connects to `DATABASE_URL`, or starts the embedded PostgreSQL in
 * `<dataDir>/postgres` when none is configured, then applies pending migrations.
 */
export async function openDatabase(opts: {
  databaseUrl?: string;
  appUrl?: string;
  /** Comma-separated URLs of streaming replicas (see db/replicas.ts). */
  replicaUrls?: string;
  dataDir: string;
  log?: (line: string) => void;
  stopRunning?: boolean;
  /** For a process that writes audit events: registered with the database, or checked against the key registered there. */
  auditKey?: string;
}): Promise<Database> {
  let embedded: EmbeddedCluster | undefined;
  let url = opts.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(opts.dataDir, 'postgres'), log: opts.log, stopRunning: opts.stopRunning });
    url = embedded.url('postgres');
    await ensureDatabase(url, 'sinergi');
    url = embedded.url('sinergi');
  }
  const adminOrm = await MikroORM.init(ormOptions(url));
  await adminOrm.getMigrator().up();
  await lockDownDatabase(url);
  if (opts.auditKey)
    await registerAuditKeyAt(url, opts.auditKey).catch(async (e: unknown) => {
      await adminOrm.close(true);
      await embedded?.stop();
      throw e;
    });
  // Requests log in as the app role itself: no superuser session underneath to RESET ROLE back to.
  // The app role logs in with DATABASE_APP_URL's password when given (set by the owner here if it does not
  // work yet, e.g. on a fresh database), else with one derived from the owner's credentials.
  const appUrl = await ensureAppLogin(url, opts.appUrl || undefined);
  const orm = await MikroORM.init(ormOptions(appUrl));
  // A replica that does not answer within 2 s is skipped (db/replicas.ts), not waited for.
  const replicas = await Promise.all(
    replicaAppUrls(opts.replicaUrls, appUrl).map((u) => MikroORM.init({ ...ormOptions(u), driverOptions: { connection: { connectionTimeoutMillis: 2_000 } } })),
  );
  return {
    orm,
    adminOrm,
    replicas,
    url,
    embedded,
    close: async () => {
      await orm.close(true);
      await Promise.all(replicas.map((r) => r.close(true)));
      await adminOrm.close(true);
      await embedded?.stop();
    },
  };
}

/** CREATE DATABASE unless it exists (PostgreSQL has no IF NOT EXISTS for it). */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  } finally {
    await client.end();
  }
}
