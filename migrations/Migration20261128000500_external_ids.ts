import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000500_external_ids extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "institution" add column "external_id" varchar(100) null;`);
    this.addSql(`alter table "institution" add constraint "institution_owner_ministry_id_external_id_unique" unique ("owner_ministry_id", "external_id");`);

    this.addSql(`alter table "program" add column "external_id" varchar(100) null;`);
    this.addSql(`alter table "program" add constraint "program_owner_ministry_id_external_id_unique" unique ("owner_ministry_id", "external_id");`);

    this.addSql(`alter table "trainee" add column "external_id" varchar(100) null;`);
    this.addSql(`alter table "trainee" add constraint "trainee_owner_ministry_id_external_id_unique" unique ("owner_ministry_id", "external_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "institution" drop constraint "institution_owner_ministry_id_external_id_unique";`);
    this.addSql(`alter table "institution" drop column "external_id";`);

    this.addSql(`alter table "program" drop constraint "program_owner_ministry_id_external_id_unique";`);
    this.addSql(`alter table "program" drop column "external_id";`);

    this.addSql(`alter table "trainee" drop constraint "trainee_owner_ministry_id_external_id_unique";`);
    this.addSql(`alter table "trainee" drop column "external_id";`);
  }

}
