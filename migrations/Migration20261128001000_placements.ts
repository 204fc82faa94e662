import { Migration } from '@mikro-orm/migrations';

/**
 * Placements abroad (issue 10): the table, its enums, the PLACEMENT clause
 * type, and programmes saying whether they prepare for household work (the
 * moratorium closes household placement only, Kepmenaker 260/2015). Its
 * row-level security and scope come with the next, generated migration.
 */
export class Migration20261128001000_placements extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "employer_type" as enum ('COMPANY', 'INDIVIDUAL');`);
    this.addSql(`create type "placement_scheme" as enum ('G_TO_G_EPS_KOREA', 'SSW_JAPAN', 'G_TO_G', 'P_TO_P', 'INDEPENDENT');`);
    this.addSql(`create type "placement_status" as enum ('PLANNED', 'DEPARTED', 'RETURNED', 'CANCELLED');`);
    this.addSql(`create table "placement" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "owner_ministry_id" uuid not null, "external_id" varchar(100) null, "trainee_id" uuid not null, "destination_country_code" varchar(2) not null, "employer_name" varchar(255) not null, "employer_type" "employer_type" not null, "job_title" varchar(255) not null, "sector" "sector" not null, "scheme" "placement_scheme" not null, "contract_start" date null, "contract_end" date null, "departure_date" date null, "status" "placement_status" not null default 'PLANNED', "returnee_business_id" uuid null, constraint "placement_pkey" primary key ("id"));`);
    this.addSql(`create index "placement_trainee_id_index" on "placement" ("trainee_id");`);
    this.addSql(`create index "placement_destination_country_code_index" on "placement" ("destination_country_code");`);
    this.addSql(`create index "placement_returnee_business_id_index" on "placement" ("returnee_business_id");`);
    this.addSql(`create index "placement_owner_ministry_id_id_index" on "placement" ("owner_ministry_id", "id");`);
    this.addSql(`alter table "placement" add constraint "placement_owner_ministry_id_external_id_unique" unique ("owner_ministry_id", "external_id");`);

    this.addSql(`alter table "placement" add constraint "placement_owner_ministry_id_foreign" foreign key ("owner_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "placement" add constraint "placement_trainee_id_foreign" foreign key ("trainee_id") references "trainee" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "placement" add constraint "placement_returnee_business_id_foreign" foreign key ("returnee_business_id") references "returnee_business" ("id") on update cascade on delete set null;`);

    this.addSql(`alter type "resource_type" add value if not exists 'PLACEMENT' after 'RETURNEE_BUSINESS';`);

    this.addSql(`alter table "program" add column "for_household_work" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "placement" cascade;`);
    this.addSql(`alter table "program" drop column "for_household_work";`);
    this.addSql(`drop type "employer_type";`);
    this.addSql(`drop type "placement_scheme";`);
    this.addSql(`drop type "placement_status";`);
  }
}
