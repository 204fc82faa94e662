import { Migration } from '@mikro-orm/migrations';

/** Tables with an owner ministry when this migration was written (the resource declarations keep the list now). */
export const OWNED_TABLES = ['institution', 'program', 'trainee', 'enrollment', 'returnee_business', 'mou'] as const;
/** The personal-data read log: owned by the data's owner ministry, appended by the reader, never changed. */
export const APPEND_ONLY_TABLES = ['personal_data_read'] as const;

/**
 * Layer 3 of access (access-model.md): PostgreSQL row-level security.
 *
 * The API serves requests as the role `sinergi_app`, which owns no table; the
 * migrating role (the owner) keeps full access through its own policy. Every
 * request runs in one transaction that starts with `sinergi_begin_request`,
 * which computes the caller's read scope from the MoU clauses in force and
 * stores it in transaction-local settings (`set_config(…, true)`), so pooled
 * connections never carry one caller's scope into another's request.
 * Policies read the settings through `(select …)` so PostgreSQL evaluates them
 * once per statement, not once per row.
 */
export class Migration20261128000200_row_level_security extends Migration {
  override async up(): Promise<void> {
    this.addSql(`do $$ begin
      if not exists (select from pg_roles where rolname = 'sinergi_app') then create role sinergi_app nologin; end if;
    end $$;`);
    // The connecting (owner) role switches to sinergi_app for request work.
    this.addSql(`grant sinergi_app to current_user;`);
    this.addSql(`grant usage on schema public to sinergi_app;`);
    this.addSql(`grant select, insert, update, delete on all tables in schema public to sinergi_app;`);
    this.addSql(`revoke all on table mikro_orm_migrations from sinergi_app;`);
    this.addSql(`alter default privileges in schema public grant select, insert, update, delete on tables to sinergi_app;`);

    this.addSql(`create function sinergi_own() returns uuid language sql stable as $$
      select nullif(current_setting('sinergi.ministry', true), '')::uuid $$;`);
    this.addSql(`create function sinergi_reads_all(p_resource text) returns boolean language sql stable as $$
      select coalesce(current_setting('sinergi.read_' || p_resource, true), '') = '*' $$;`);
    this.addSql(`create function sinergi_read_ids(p_resource text) returns uuid[] language sql stable as $$
      select case when s is null or s in ('', '*') then '{}'::uuid[] else s::uuid[] end
      from (select current_setting('sinergi.read_' || p_resource, true) as s) x $$;`);

    // The same rules as src/access/scope.ts, computed by the database from the data itself. The
    // account is checked on every request, so deactivation and role changes apply to the very next one.
    this.addSql(`create function sinergi_begin_request(p_account uuid, p_ministry uuid, p_role text, p_today date)
      returns jsonb language plpgsql volatile as $$
      declare
        account_ok boolean := p_account is not null and exists (
          select 1 from account a where a.id = p_account and a.active and a.role::text = p_role and a.ministry_id is not distinct from p_ministry);
        staff boolean := account_ok and p_ministry is not null and p_role in ('VIEWER', 'EDITOR', 'ADMIN');
        res text;
        ids uuid[];
        grants jsonb;
      begin
        perform set_config('sinergi.ministry', case when staff then p_ministry::text else '' end, true);
        perform set_config('sinergi.auditor', case when account_ok and p_role = 'AUDITOR' then 'on' else '' end, true);
        foreach res in array array['institution', 'program', 'trainee', 'enrollment', 'returnee_business', 'mou'] loop
          if account_ok and p_role = 'AUDITOR' and res = 'mou' then
            perform set_config('sinergi.read_mou', '*', true);
          elsif not staff then
            perform set_config('sinergi.read_' || res, '{}', true);
          else
            select array[p_ministry] || coalesce(array_agg(distinct c.provider_ministry_id), '{}') into ids
              from data_sharing_clause c join mou m on m.id = c.mou_id
             where c.recipient_ministry_id = p_ministry and c.retired_at is null
               and m.recorded_status = 'ACTIVE' and m.valid_from <= p_today and p_today < m.valid_until
               and upper(res) = any (c.resource_types::text[]) and res <> 'mou';
            perform set_config('sinergi.read_' || res, ids::text, true);
          end if;
        end loop;
        select coalesce(jsonb_agg(jsonb_build_object(
                 'clauseId', c.id, 'mouId', c.mou_id, 'providerMinistryId', c.provider_ministry_id,
                 'resourceTypes', to_jsonb(c.resource_types::text[]), 'includesPersonalData', c.includes_personal_data) order by c.id), '[]')
          into grants
          from data_sharing_clause c join mou m on m.id = c.mou_id
         where staff and c.recipient_ministry_id = p_ministry and c.retired_at is null
           and m.recorded_status = 'ACTIVE' and m.valid_from <= p_today and p_today < m.valid_until;
        return jsonb_build_object('accountOk', account_ok, 'grants', grants);
      end $$;`);

    for (const table of OWNED_TABLES) {
      const readable =
        `(select sinergi_reads_all('${table}')) or owner_ministry_id = any ((select sinergi_read_ids('${table}'))::uuid[])` +
        (table === 'mou' ? ` or party_ministry_ids && array[(select sinergi_own())::text]` : '');
      // Parties sign and terminate an MoU they did not draft; content edits stay the drafter's (checked in the API).
      const writable = table === 'mou'
        ? `owner_ministry_id = (select sinergi_own()) or party_ministry_ids && array[(select sinergi_own())::text]`
        : `owner_ministry_id = (select sinergi_own())`;
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(`alter table "${table}" force row level security;`);
      this.addSql(`create policy owner_all on "${table}" to current_user using (true) with check (true);`);
      this.addSql(`create policy app_select on "${table}" for select to sinergi_app using (${readable});`);
      this.addSql(`create policy app_insert on "${table}" for insert to sinergi_app with check (owner_ministry_id = (select sinergi_own()));`);
      this.addSql(`create policy app_update on "${table}" for update to sinergi_app using (${writable}) with check (${writable});`);
      this.addSql(`create policy app_delete on "${table}" for delete to sinergi_app using (owner_ministry_id = (select sinergi_own()));`);
    }
    this.readLog();
  }

  private readLog(): void {
    const t = 'personal_data_read';
    this.addSql(`revoke update, delete on table ${t} from sinergi_app;`);
    this.addSql(`alter table ${t} enable row level security;`);
    this.addSql(`alter table ${t} force row level security;`);
    this.addSql(`create policy owner_all on ${t} to current_user using (true) with check (true);`);
    // The data's owner, the reader, and auditors (who see which records were read, never the data).
    this.addSql(`create policy app_select on ${t} for select to sinergi_app using (owner_ministry_id = (select sinergi_own()) or reader_ministry_id = (select sinergi_own()) or (select current_setting('sinergi.auditor', true)) = 'on');`);
    this.addSql(`create policy app_insert on ${t} for insert to sinergi_app with check (reader_ministry_id = (select sinergi_own()));`);
  }

  override async down(): Promise<void> {
    for (const table of OWNED_TABLES) {
      for (const p of ['owner_all', 'app_select', 'app_insert', 'app_update', 'app_delete']) this.addSql(`drop policy if exists ${p} on "${table}";`);
      this.addSql(`alter table "${table}" no force row level security;`);
      this.addSql(`alter table "${table}" disable row level security;`);
    }
    for (const p of ['owner_all', 'app_select', 'app_insert']) this.addSql(`drop policy if exists ${p} on personal_data_read;`);
    this.addSql(`alter table personal_data_read no force row level security;`);
    this.addSql(`alter table personal_data_read disable row level security;`);
    this.addSql(`drop function if exists sinergi_begin_request(uuid, uuid, text, date);`);
    this.addSql(`drop function if exists sinergi_read_ids(text);`);
    this.addSql(`drop function if exists sinergi_reads_all(text);`);
    this.addSql(`drop function if exists sinergi_own();`);
  }
}
