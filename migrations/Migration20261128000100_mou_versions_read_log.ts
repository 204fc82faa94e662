import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000100_mou_versions_read_log extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "mou_event" as enum ('CREATED', 'EDITED', 'SIGNED', 'ACTIVATED', 'AMENDED', 'TERMINATED');`);
    this.addSql(`create table "mou_version" ("id" uuid not null, "mou_id" uuid not null, "number" int not null, "event" "mou_event" not null, "reason" text null, "snapshot" jsonb not null, "actor_account_id" uuid null, "actor_ministry_id" uuid null, "created_at" timestamptz not null default now(), constraint "mou_version_pkey" primary key ("id"));`);
    this.addSql(`alter table "mou_version" add constraint "mou_version_mou_id_number_unique" unique ("mou_id", "number");`);

    this.addSql(`create table "personal_data_read" ("id" uuid not null, "read_at" timestamptz not null default now(), "reader_account_id" uuid not null, "reader_ministry_id" uuid not null, "owner_ministry_id" uuid not null, "resource_type" "resource_type" not null, "record_id" uuid not null, "fields" text[] not null, "clause_id" uuid not null, "mou_id" uuid not null, constraint "personal_data_read_pkey" primary key ("id"));`);
    this.addSql(`create index "personal_data_read_owner_ministry_id_record_id_index" on "personal_data_read" ("owner_ministry_id", "record_id");`);

    this.addSql(`alter table "mou_version" add constraint "mou_version_mou_id_foreign" foreign key ("mou_id") references "mou" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "mou_version" add constraint "mou_version_actor_ministry_id_foreign" foreign key ("actor_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "personal_data_read" add constraint "personal_data_read_reader_ministry_id_foreign" foreign key ("reader_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "personal_data_read" add constraint "personal_data_read_owner_ministry_id_foreign" foreign key ("owner_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "personal_data_read" add constraint "personal_data_read_clause_id_foreign" foreign key ("clause_id") references "data_sharing_clause" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "personal_data_read" add constraint "personal_data_read_mou_id_foreign" foreign key ("mou_id") references "mou" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "data_sharing_clause" add column "retired_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mou_version" cascade;`);

    this.addSql(`drop table if exists "personal_data_read" cascade;`);

    this.addSql(`alter table "data_sharing_clause" drop column "retired_at";`);

    this.addSql(`drop type "mou_event";`);
  }

}
