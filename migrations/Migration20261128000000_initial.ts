import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000000_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "institution_type" as enum ('TRAINING_CENTRE', 'POLYTECHNIC', 'VOCATIONAL_SCHOOL', 'ACADEMY', 'WORK_UNIT', 'PRIVATE_COURSE', 'COMMUNITY_TRAINING_CENTRE');`);
    this.addSql(`create type "sector" as enum ('TOURISM', 'TRANSPORT', 'CREATIVE_ECONOMY', 'HEALTH', 'MANUFACTURING', 'MINING', 'ENERGY', 'BUSINESS_MANAGEMENT', 'FISHERIES', 'LIVESTOCK', 'AGRICULTURE', 'CONSTRUCTION', 'ICT');`);
    this.addSql(`create type "accreditation" as enum ('A', 'B', 'C', 'NOT_ACCREDITED');`);
    this.addSql(`create type "role" as enum ('VIEWER', 'EDITOR', 'ADMIN', 'AUDITOR', 'PLATFORM_ADMIN');`);
    this.addSql(`create type "mou_status" as enum ('DRAFT', 'ACTIVE', 'EXPIRED', 'TERMINATED');`);
    this.addSql(`create type "resource_type" as enum ('INSTITUTION', 'PROGRAM', 'TRAINEE', 'ENROLLMENT', 'RETURNEE_BUSINESS');`);
    this.addSql(`create type "program_status" as enum ('PLANNED', 'OPEN', 'RUNNING', 'COMPLETED', 'CANCELLED');`);
    this.addSql(`create type "sex" as enum ('MALE', 'FEMALE');`);
    this.addSql(`create type "education_level" as enum ('SD', 'SMP', 'SMA', 'SMK', 'D1', 'D2', 'D3', 'D4', 'S1', 'S2');`);
    this.addSql(`create type "trainee_status" as enum ('REGISTERED', 'IN_TRAINING', 'CERTIFIED', 'PLACED', 'WITHDRAWN');`);
    this.addSql(`create type "financing_type" as enum ('KUR', 'GRANT', 'COOPERATIVE', 'BANK_LOAN', 'SELF_FUNDED');`);
    this.addSql(`create type "enrollment_status" as enum ('APPLIED', 'ENROLLED', 'COMPLETED', 'DROPPED', 'FAILED');`);
    this.addSql(`create table "destination_country" ("code" varchar(2) not null, "name_en" varchar(255) not null, "name_id" varchar(255) not null, "is_focus" boolean not null default false, "moratorium" boolean not null default false, "moratorium_basis" varchar(255) null, "moratorium_since" date null, constraint "destination_country_pkey" primary key ("code"));`);

    this.addSql(`create table "ministry" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "code" varchar(32) not null, "name" varchar(255) not null, "name_en" varchar(255) not null, "is_coordinator" boolean not null default false, constraint "ministry_pkey" primary key ("id"));`);
    this.addSql(`alter table "ministry" add constraint "ministry_code_unique" unique ("code");`);

    this.addSql(`create table "institution" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "owner_ministry_id" uuid not null, "name" varchar(255) not null, "type" "institution_type" not null, "province_code" varchar(2) not null, "regency" varchar(255) null, "address" text null, "annual_capacity" int not null, "sectors" "sector"[] not null, "link_and_match" boolean not null default false, "pmi_preparation" boolean not null default false, "accreditation" "accreditation" null, constraint "institution_pkey" primary key ("id"));`);
    this.addSql(`create index "institution_province_code_index" on "institution" ("province_code");`);
    this.addSql(`create index "institution_owner_ministry_id_id_index" on "institution" ("owner_ministry_id", "id");`);

    this.addSql(`create table "account" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "email" varchar(255) not null, "password_hash" varchar(255) not null, "display_name" varchar(255) not null, "ministry_id" uuid null, "role" "role" not null, "active" boolean not null default true, constraint "account_pkey" primary key ("id"));`);
    this.addSql(`alter table "account" add constraint "account_email_unique" unique ("email");`);

    this.addSql(`create table "mou" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "owner_ministry_id" uuid not null, "title" varchar(255) not null, "document_number" varchar(255) null, "scope" text not null, "recorded_status" "mou_status" not null default 'DRAFT', "valid_from" date not null, "valid_until" date not null, "document_hash" varchar(64) null, "follow_up_due_date" date null, "terminated_at" timestamptz null, "termination_reason" text null, "party_ministry_ids" text[] not null, constraint "mou_pkey" primary key ("id"));`);
    this.addSql(`create index "mou_party_ministry_ids_index" on "mou" using gin ("party_ministry_ids");`);
    this.addSql(`create index "mou_owner_ministry_id_id_index" on "mou" ("owner_ministry_id", "id");`);

    this.addSql(`create table "data_sharing_clause" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "mou_id" uuid not null, "provider_ministry_id" uuid not null, "recipient_ministry_id" uuid not null, "resource_types" "resource_type"[] not null, "includes_personal_data" boolean not null default false, "purpose" text not null, constraint "data_sharing_clause_pkey" primary key ("id"));`);
    this.addSql(`create index "data_sharing_clause_mou_id_index" on "data_sharing_clause" ("mou_id");`);
    this.addSql(`create index "data_sharing_clause_recipient_ministry_id_index" on "data_sharing_clause" ("recipient_ministry_id");`);

    this.addSql(`create table "mou_party" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "mou_id" uuid not null, "ministry_id" uuid not null, "signed_at" timestamptz null, "signatory_name" varchar(255) null, "signatory_title" varchar(255) null, constraint "mou_party_pkey" primary key ("id"));`);
    this.addSql(`create index "mou_party_mou_id_ministry_id_index" on "mou_party" ("mou_id", "ministry_id");`);

    this.addSql(`create table "program" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "owner_ministry_id" uuid not null, "institution_id" uuid not null, "title" varchar(255) not null, "sector" "sector" not null, "target_country_codes" text[] not null, "capacity_per_intake" int not null, "start_date" date null, "end_date" date null, "status" "program_status" not null default 'PLANNED', "competency_standard" varchar(255) null, "certification_scheme" varchar(255) null, "language_requirement" varchar(255) null, constraint "program_pkey" primary key ("id"));`);
    this.addSql(`create index "program_institution_id_index" on "program" ("institution_id");`);
    this.addSql(`create index "program_owner_ministry_id_id_index" on "program" ("owner_ministry_id", "id");`);

    this.addSql(`create table "trainee" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "owner_ministry_id" uuid not null, "nik" varchar(16) not null, "full_name" varchar(255) not null, "sex" "sex" not null, "birth_date" date not null, "origin_province_code" varchar(2) not null, "origin_regency" varchar(255) null, "phone" varchar(255) null, "email" varchar(255) null, "address" text null, "education_level" "education_level" null, "status" "trainee_status" not null default 'REGISTERED', constraint "trainee_pkey" primary key ("id"));`);
    this.addSql(`create index "trainee_nik_index" on "trainee" ("nik");`);
    this.addSql(`create index "trainee_origin_province_code_index" on "trainee" ("origin_province_code");`);
    this.addSql(`create index "trainee_owner_ministry_id_id_index" on "trainee" ("owner_ministry_id", "id");`);
    this.addSql(`alter table "trainee" add constraint "trainee_owner_ministry_id_nik_unique" unique ("owner_ministry_id", "nik");`);

    this.addSql(`create table "returnee_business" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "owner_ministry_id" uuid not null, "returnee_name" varchar(255) not null, "returnee_nik" varchar(16) not null, "returnee_phone" varchar(255) null, "trainee_id" uuid null, "business_name" varchar(255) not null, "kbli_code" varchar(5) not null, "village_code" varchar(10) not null, "province_code" varchar(2) not null, "founded_on" date null, "employees" int not null default 0, "financing_type" "financing_type" null, "financing_amount" bigint null, "mentoring_sessions" int not null default 0, constraint "returnee_business_pkey" primary key ("id"));`);
    this.addSql(`create index "returnee_business_returnee_nik_index" on "returnee_business" ("returnee_nik");`);
    this.addSql(`create index "returnee_business_trainee_id_index" on "returnee_business" ("trainee_id");`);
    this.addSql(`create index "returnee_business_province_code_index" on "returnee_business" ("province_code");`);
    this.addSql(`create index "returnee_business_owner_ministry_id_id_index" on "returnee_business" ("owner_ministry_id", "id");`);

    this.addSql(`create table "enrollment" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, "owner_ministry_id" uuid not null, "trainee_id" uuid not null, "program_id" uuid not null, "status" "enrollment_status" not null default 'APPLIED', "enrolled_on" date null, "completed_on" date null, "certificate_issuer" varchar(255) null, "certificate_scheme" varchar(255) null, "certificate_number" varchar(255) null, "certificate_issued_on" date null, constraint "enrollment_pkey" primary key ("id"));`);
    this.addSql(`create index "enrollment_trainee_id_index" on "enrollment" ("trainee_id");`);
    this.addSql(`create index "enrollment_program_id_index" on "enrollment" ("program_id");`);
    this.addSql(`create index "enrollment_owner_ministry_id_id_index" on "enrollment" ("owner_ministry_id", "id");`);
    this.addSql(`alter table "enrollment" add constraint "enrollment_trainee_id_program_id_unique" unique ("trainee_id", "program_id");`);

    this.addSql(`alter table "institution" add constraint "institution_owner_ministry_id_foreign" foreign key ("owner_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "account" add constraint "account_ministry_id_foreign" foreign key ("ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "mou" add constraint "mou_owner_ministry_id_foreign" foreign key ("owner_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "data_sharing_clause" add constraint "data_sharing_clause_mou_id_foreign" foreign key ("mou_id") references "mou" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "data_sharing_clause" add constraint "data_sharing_clause_provider_ministry_id_foreign" foreign key ("provider_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "data_sharing_clause" add constraint "data_sharing_clause_recipient_ministry_id_foreign" foreign key ("recipient_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "mou_party" add constraint "mou_party_mou_id_foreign" foreign key ("mou_id") references "mou" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "mou_party" add constraint "mou_party_ministry_id_foreign" foreign key ("ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "program" add constraint "program_owner_ministry_id_foreign" foreign key ("owner_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "program" add constraint "program_institution_id_foreign" foreign key ("institution_id") references "institution" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "trainee" add constraint "trainee_owner_ministry_id_foreign" foreign key ("owner_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "returnee_business" add constraint "returnee_business_owner_ministry_id_foreign" foreign key ("owner_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "returnee_business" add constraint "returnee_business_trainee_id_foreign" foreign key ("trainee_id") references "trainee" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "enrollment" add constraint "enrollment_owner_ministry_id_foreign" foreign key ("owner_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "enrollment" add constraint "enrollment_trainee_id_foreign" foreign key ("trainee_id") references "trainee" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "enrollment" add constraint "enrollment_program_id_foreign" foreign key ("program_id") references "program" ("id") on update cascade on delete restrict;`);
  }

}
