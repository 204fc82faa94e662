/**
 * `npm run migration:create`: diffs the entities against the migrated schema on a
 * throw-away embedded PostgreSQL (or DATABASE_URL) and writes a new migration.
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { ormOptions } from '../src/db/orm.config';

async function main() {
  const cluster = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: path.join(os.tmpdir(), `sinergi-migration-${process.pid}`), ephemeral: true });
  try {
    const orm = await MikroORM.init(ormOptions(process.env.DATABASE_URL ?? cluster!.url()));
    const migrator = orm.getMigrator();
    await migrator.up();
    const result = await migrator.createMigration(undefined, false, (await migrator.getExecutedMigrations()).length === 0);
    console.log(result.fileName ? `created migrations/${result.fileName}` : 'no changes: entities and migrations agree');
    await orm.close(true);
  } finally {
    await cluster?.stop();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
