import { Migration } from '@mikro-orm/migrations';

/** Each child relation's key, and the index that served it alone until now. */
const INDEXES: [table: string, key: string][] = [
  ['program', 'institution_id'],
  ['enrollment', 'trainee_id'],
  ['enrollment', 'program_id'],
  ['placement', 'trainee_id'],
  ['returnee_business', 'trainee_id'],
];

/**
 * A relation page and a relation's `totalCount` read the children of some
 * parents within the caller's scope: `<key> = … and owner_ministry_id = …`.
 * On the key alone, every child had to be fetched from the table to check
 * its owner, so counting a programme's enrollments cost as many row visits
 * as it had enrollments (ten times as many at ten times the data, issue 11).
 * On (key, owner) the index answers both conditions, and a count is read
 * from the index alone. The key's own index is then redundant.
 */
export class Migration20261129010000_child_scope_indexes extends Migration {
  override async up(): Promise<void> {
    for (const [table, key] of INDEXES) {
      this.addSql(`create index "${table}_${key}_owner_ministry_id_index" on "${table}" ("${key}", "owner_ministry_id");`);
      this.addSql(`drop index "${table}_${key}_index";`);
    }
  }

  override async down(): Promise<void> {
    for (const [table, key] of INDEXES) {
      this.addSql(`create index "${table}_${key}_index" on "${table}" ("${key}");`);
      this.addSql(`drop index "${table}_${key}_owner_ministry_id_index";`);
    }
  }
}
