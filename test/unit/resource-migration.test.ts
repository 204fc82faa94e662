/** One change to a resource makes one migration: the ORM's diff and the declarations' statements together. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newestStatements, statementsBlock, withStatements } from '../../scripts/resource-migration';

const ORM = `import { Migration } from '@mikro-orm/migrations';

export class Migration20990101000000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(\`create table "certification" ("id" uuid not null);\`);
  }

  override async down(): Promise<void> {
    this.addSql(\`drop table if exists "certification" cascade;\`);
  }

}`;

describe('migration:create with the declarations', () => {
  it("runs the declarations' statements after the table is made, in the same migration", () => {
    const out = withStatements(ORM, ['select 1', 'create policy p on "certification" using (\'x\')']);
    const up = out.slice(out.indexOf('up()'), out.indexOf('down()'));
    expect(up.indexOf('create table')).toBeLessThan(up.indexOf('for (const sql of STATEMENTS) this.addSql(sql);'));
    expect(out).toContain(statementsBlock(['select 1', 'create policy p on "certification" using (\'x\')']));
  });

  it('finds the newest migration that carries statements, whatever its name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sinergi-migrations-'));
    writeFileSync(path.join(dir, 'Migration20990101000000_resources.ts'), `x\n${statementsBlock(['old'])}\n`);
    writeFileSync(path.join(dir, 'Migration20990102000000.ts'), withStatements(ORM, ['new']));
    writeFileSync(path.join(dir, 'Migration20990103000000.ts'), ORM);
    expect(newestStatements(dir)).toEqual({ file: 'Migration20990102000000.ts', statements: statementsBlock(['new']) });
  });
});
