/**
 * Once per test run: a PostgreSQL server (DATABASE_URL, or an embedded one in a
 * temporary folder) with a template database migrated from `migrations/`.
 * Each test file clones the template into its own database (`test-app.ts`),
 * so files run in parallel without sharing rows. Never touches a database
 * whose name does not start with `sinergi_test`.
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDatabase } from '../../src/startup/database';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { ensureAppLogin } from '../../src/db/app-role';
import { DEFAULT_AUDIT_KEY } from '../../src/config';
import { registerAuditKeyAt } from '../../src/modules/audit/audit-key';
import { ormOptions } from '../../src/startup/orm.config';
import { seedReference } from '../../src/seed/demo';
import { dropDatabase, withDatabase } from './pg-admin';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
  }
}

export default async function setup(project: TestProject) {
  const external = process.env.DATABASE_URL || undefined;
  const cluster = external ? undefined : await startEmbeddedPostgres({ dataDir: path.join(os.tmpdir(), `sinergi-test-${process.pid}`), ephemeral: true });
  const adminUrl = external || cluster!.url('postgres');
  const templateDb = `sinergi_test_template_${process.pid}`;
  try {
    await dropDatabase(adminUrl, templateDb);
    await ensureDatabase(adminUrl, templateDb);
    const orm = await MikroORM.init(ormOptions(withDatabase(adminUrl, templateDb)));
    try {
      await orm.getMigrator().up();
      await seedReference(orm);
      // Once per run: the app role is cluster-wide, and every test database logs in with it.
      await ensureAppLogin(withDatabase(adminUrl, templateDb));
      // Every test database is a clone: each starts with the development audit key registered, as a server's start does.
      await registerAuditKeyAt(withDatabase(adminUrl, templateDb), DEFAULT_AUDIT_KEY);
    } finally {
      await orm.close(true);
    }
  } catch (e) {
    await cluster?.stop();
    throw e;
  }
  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);
  return async () => {
    await dropDatabase(adminUrl, templateDb);
    await cluster?.stop();
  };
}
