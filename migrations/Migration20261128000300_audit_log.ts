import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000300_audit_log extends Migration {

  override async up(): Promise<void> {
    // Append-only, for every role: the owner too must disable these triggers to tamper, and
    // verification then names the first event that no longer fits the chain.
    this.addSql(`create table "audit_event" ("seq" bigint not null, "occurred_at" timestamptz not null, "request_id" varchar(255) null, "actor_account_id" uuid null, "actor_ministry_id" uuid null, "actor_role" varchar(255) null, "operation" varchar(255) not null, "entity_type" varchar(255) not null, "entity_id" varchar(255) null, "subject_ministry_id" uuid null, "changes" jsonb not null, "prev_hash" varchar(64) not null, "hash" varchar(64) not null, "signature" varchar(64) not null, constraint "audit_event_pkey" primary key ("seq"));`);
    this.addSql(`create index "audit_event_operation_index" on "audit_event" ("operation");`);
    this.addSql(`create index "audit_event_subject_ministry_id_seq_index" on "audit_event" ("subject_ministry_id", "seq");`);
    this.addSql(`create index "audit_event_entity_type_entity_id_index" on "audit_event" ("entity_type", "entity_id");`);
    this.addSql(`create function audit_event_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_event is append-only: % refused', tg_op using errcode = '42501'; end $$;`);
    this.addSql(`create trigger audit_event_no_change before update or delete on "audit_event" for each row execute function audit_event_append_only();`);
    this.addSql(`create trigger audit_event_no_truncate before truncate on "audit_event" for each statement execute function audit_event_append_only();`);
    this.addSql(`revoke update, delete, truncate on "audit_event" from sinergi_app;`);
    this.addSql(`grant select, insert on "audit_event" to sinergi_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_event" cascade;`);
    this.addSql(`drop function if exists audit_event_append_only();`);
  }

}
