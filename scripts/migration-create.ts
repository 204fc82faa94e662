/**
 * `npm run migration:create`: diffs the entities against the migrated schema on a
 * throw-away embedded PostgreSQL (or DATABASE_URL) and writes a new migration,
 * with the database side of the resource declarations when that changed too
 * (as `npm run db:resources` would write it).
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { ormOptions } from '../src/startup/orm.config';
import { readFileSync, writeFileSync } from 'node:fs';
import { resourceStatements } from '../src/resource/resource-sql';
import { RESOURCES } from '../src/modules';
import { newestStatements, statementsBlock, withStatements } from './resource-migration';

async function main() {
  const cluster = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: path.join(os.tmpdir(), `sinergi-migration-${process.pid}`), ephemeral: true });
  try {
    const orm = await MikroORM.init(ormOptions(process.env.DATABASE_URL ?? cluster!.url()));
    const migrator = orm.getMigrator();
    await migrator.up();
    const result = await migrator.createMigration(undefined, false, (await migrator.getExecutedMigrations()).length === 0);
    if (!result.fileName) console.log('no changes: entities and migrations agree');
    else {
      // The same change's policies, triggers and scope functions go in the same migration, when they changed.
      const dir = path.resolve(__dirname, '..', 'migrations');
      const file = path.join(dir, result.fileName);
      const statements = resourceStatements(RESOURCES);
      if (newestStatements(dir)?.statements !== statementsBlock(statements)) writeFileSync(file, withStatements(readFileSync(file, 'utf8'), statements));
      console.log(`created migrations/${result.fileName}`);
    }
    await orm.close(true);
  } finally {
    await cluster?.stop();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
