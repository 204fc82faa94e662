import { Migration } from '@mikro-orm/migrations';

/**
 * The database enforces scope even against its own app role (issue 8).
 *
 * Before this migration the app role `sinergi_app` told the database who was
 * asking (`sinergi_begin_request(account, ministry, role, today)`) and the
 * policies read plain settings; anyone with the app's credentials could set
 * them. Now:
 *
 * - **Sessions.** `sinergi_login` checks a password proof (the argon2id hash
 *   computed by the app with the account's own salt, compared in the database:
 *   the stored hash is never readable by the app role) and opens a session
 *   whose secret only the token holder knows. `sinergi_begin_request(session,
 *   secret)` derives account, ministry, role and the clauses in force from the
 *   data, and today's date from the database clock.
 * - **Sealed scope.** The scope is stored in the transaction-local setting
 *   `sinergi.scope` with an HMAC-SHA256 (`sinergi.scope_mac`) under a key only
 *   the owner can read, bound to this backend and this transaction's start.
 *   Every policy reads it through `sinergi_scope()`, which checks the seal:
 *   a setting written by anything else reads as "nobody".
 * - **Grants.** The app role cannot read password hashes, write audit rows
 *   (only `sinergi_audit_append`), or touch sessions and secrets. Accounts,
 *   MoU parties, clauses and versions are under row-level security, and a
 *   trigger keeps signed MoUs unchangeable except through the definer
 *   functions of the amendment workflow.
 */
export class Migration20261128000600_database_trust extends Migration {
  override async up(): Promise<void> {
    this.secrets();
    this.sealedScope();
    this.sessions();
    this.beginRequest();
    this.accounts();
    this.mous();
    this.audit();
    this.addSql(`revoke create on schema public from sinergi_app;`);
  }

  private secrets(): void {
    // HMAC-SHA256 without pgcrypto: the inner and outer padded keys are kept, hmac = sha256(opad || sha256(ipad || m)).
    this.addSql(`create table sinergi_secret (name text primary key, value bytea not null);`);
    this.addSql(`revoke all on sinergi_secret from sinergi_app;`);
    this.addSql(`do $$
      declare k bytea := sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8'));
              ipad bytea := '\\x'::bytea; opad bytea := '\\x'::bytea; i int;
      begin
        k := k || decode(repeat('00', 32), 'hex');
        for i in 0 .. 63 loop
          ipad := ipad || set_byte('\\x00'::bytea, 0, get_byte(k, i) # 54);
          opad := opad || set_byte('\\x00'::bytea, 0, get_byte(k, i) # 92);
        end loop;
        insert into sinergi_secret values ('scope_ipad', ipad), ('scope_opad', opad),
          ('login_pepper', sha256(convert_to(gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')));
      end $$;`);
    // plpgsql, not SQL: its plans are cached for the session, and every policy check of every statement calls it.
    this.addSql(`create function sinergi_seal(p_payload text) returns text language plpgsql stable security definer set search_path = pg_catalog, public as $$
      declare ipad bytea; opad bytea;
      begin
        select value into ipad from sinergi_secret where name = 'scope_ipad';
        select value into opad from sinergi_secret where name = 'scope_opad';
        return encode(sha256(opad || sha256(ipad || convert_to(p_payload, 'UTF8'))), 'hex');
      end $$;`);
    this.addSql(`revoke all on function sinergi_seal(text) from public;`);
  }

  private sealedScope(): void {
    // The request's scope, or null when the setting is missing, forged, or left from another transaction.
    this.addSql(`create function sinergi_scope() returns jsonb language plpgsql stable security definer set search_path = pg_catalog, public as $$
      declare
        payload text := current_setting('sinergi.scope', true);
        mac text := current_setting('sinergi.scope_mac', true);
        s jsonb;
      begin
        if payload is null or payload = '' or mac is null or mac <> sinergi_seal(payload) then return null; end if;
        s := payload::jsonb;
        if (s ->> 'pid')::int <> pg_backend_pid() or (s ->> 'at')::timestamptz <> now() then return null; end if;
        return s;
      end $$;`);
    this.addSql(`create or replace function sinergi_own() returns uuid language sql stable as $$
      select (sinergi_scope() ->> 'ministry')::uuid $$;`);
    this.addSql(`create function sinergi_account() returns uuid language sql stable as $$
      select (sinergi_scope() ->> 'account')::uuid $$;`);
    this.addSql(`create function sinergi_role() returns text language sql stable as $$
      select sinergi_scope() ->> 'role' $$;`);
    this.addSql(`create function sinergi_is_auditor() returns boolean language sql stable as $$
      select coalesce(sinergi_scope() ->> 'role' = 'AUDITOR', false) $$;`);
    this.addSql(`create or replace function sinergi_reads_all(p_resource text) returns boolean language sql stable as $$
      select coalesce((sinergi_scope() -> 'all') @> to_jsonb(p_resource), false) $$;`);
    this.addSql(`create or replace function sinergi_read_ids(p_resource text) returns uuid[] language sql stable as $$
      select coalesce(array(select jsonb_array_elements_text(sinergi_scope() -> 'read' -> p_resource))::uuid[], '{}') $$;`);
    // Statistics and the read log read the auditor flag through the seal too.
    this.addSql(`do $$ declare d text; begin
      select pg_get_functiondef('sinergi_statistics(text[])'::regprocedure) into d;
      d := replace(d, 'coalesce(current_setting(''sinergi.auditor'', true), '''') = ''on''', 'sinergi_is_auditor()');
      if position('sinergi.auditor' in d) > 0 then raise exception 'sinergi_statistics still reads sinergi.auditor'; end if;
      execute d;
    end $$;`);
    this.addSql(`drop policy app_select on personal_data_read;`);
    this.addSql(`create policy app_select on personal_data_read for select to sinergi_app using (owner_ministry_id = (select sinergi_own()) or reader_ministry_id = (select sinergi_own()) or (select sinergi_is_auditor()));`);
  }

  private sessions(): void {
    this.addSql(`alter table account add column pending boolean not null default false, add column approved_at timestamptz null, add column approved_by_account_id uuid null;`);
    this.addSql(`create table account_session (id uuid primary key, account_id uuid not null references account (id) on delete cascade,
      secret_hash text not null, created_at timestamptz not null default now(), expires_at timestamptz not null, revoked_at timestamptz null);`);
    this.addSql(`create index account_session_account_id_index on account_session (account_id);`);
    this.addSql(`revoke all on account_session from sinergi_app;`);

    // A session for an account, with a secret only the caller learns. Owner-only: logins go through sinergi_login.
    this.addSql(`create function sinergi_open_session(p_account uuid, p_ttl_seconds int) returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare sid uuid := gen_random_uuid(); secret text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
      begin
        insert into account_session (id, account_id, secret_hash, expires_at)
          values (sid, p_account, encode(sha256(convert_to(secret, 'UTF8')), 'hex'), now() + make_interval(secs => least(greatest(p_ttl_seconds, 60), 7 * 86400)));
        return jsonb_build_object('sessionId', sid, 'secret', secret);
      end $$;`);
    this.addSql(`revoke all on function sinergi_open_session(uuid, int) from public;`);

    // The argon2id parameters and salt to hash a login attempt with. Unknown addresses get a stable
    // salt derived from a secret pepper, so the answer does not tell which addresses exist.
    this.addSql(`create function sinergi_login_params(p_email text) returns text language sql stable security definer set search_path = pg_catalog, public as $$
      select coalesce(
        (select substring(password_hash from '^(\\$argon2id\\$v=[0-9]+\\$m=[0-9]+,t=[0-9]+,p=[0-9]+\\$[A-Za-z0-9+/]+)\\$') from account where email = lower(p_email)),
        '$argon2id$v=19$m=19456,t=2,p=1$' || rtrim(encode(substring(sha256(convert_to(lower(p_email), 'UTF8') || (select value from sinergi_secret where name = 'login_pepper')) from 1 for 16), 'base64'), '=')) $$;`);
    this.addSql(`create function sinergi_login(p_email text, p_proof text, p_ttl_seconds int) returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare a record;
      begin
        select id, role::text as role, ministry_id, pending into a from account where email = lower(p_email) and password_hash = p_proof and active;
        if a.id is null then return null; end if;
        return sinergi_open_session(a.id, p_ttl_seconds) || jsonb_build_object('accountId', a.id, 'role', a.role, 'ministryId', a.ministry_id, 'pending', a.pending);
      end $$;`);
  }

  private beginRequest(): void {
    this.addSql(`drop function if exists sinergi_begin_request(uuid, uuid, text, date);`);
    // Who is asking comes from the session alone; what they may read, from the clauses in force on
    // today's date in Jakarta by the database's clock. Returns what the app needs to build the same scope.
    this.addSql(`create function sinergi_begin_request(p_session uuid, p_secret text) returns jsonb
      language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare
        a record;
        today date := ((now() at time zone 'UTC') + interval '7 hours')::date;
        staff boolean;
        grants jsonb := '[]';
        reads jsonb := '{}';
        res text;
        payload text;
      begin
        select acc.id, acc.ministry_id, acc.role::text as role, acc.pending into a
          from account_session s join account acc on acc.id = s.account_id
         where p_session is not null and s.id = p_session and s.revoked_at is null and s.expires_at > now()
           and s.secret_hash = encode(sha256(convert_to(coalesce(p_secret, ''), 'UTF8')), 'hex') and acc.active;
        staff := a.id is not null and not a.pending and a.ministry_id is not null and a.role in ('VIEWER', 'EDITOR', 'ADMIN');
        if staff then
          select coalesce(jsonb_agg(jsonb_build_object(
                   'clauseId', c.id, 'mouId', c.mou_id, 'providerMinistryId', c.provider_ministry_id,
                   'resourceTypes', to_jsonb(c.resource_types::text[]), 'includesPersonalData', c.includes_personal_data) order by c.id), '[]')
            into grants
            from data_sharing_clause c join mou m on m.id = c.mou_id
           where c.recipient_ministry_id = a.ministry_id and c.retired_at is null
             and m.recorded_status = 'ACTIVE' and m.valid_from <= today and today < m.valid_until;
        end if;
        foreach res in array array['institution', 'program', 'trainee', 'enrollment', 'returnee_business', 'mou'] loop
          reads := reads || jsonb_build_object(res, case when not staff then '[]'::jsonb else (
            select jsonb_agg(distinct x) from (
              select a.ministry_id::text as x
              union all
              select g ->> 'providerMinistryId' from jsonb_array_elements(grants) g
               where res <> 'mou' and (g -> 'resourceTypes') @> to_jsonb(upper(res))) y) end);
        end loop;
        payload := jsonb_build_object('v', 1, 'pid', pg_backend_pid(), 'at', now(),
          'account', a.id, 'ministry', case when staff then a.ministry_id end,
          'role', case when a.id is not null and not a.pending then a.role end,
          'all', case when a.role = 'AUDITOR' and not a.pending then '["mou"]'::jsonb else '[]'::jsonb end,
          'read', reads)::text;
        perform set_config('sinergi.scope', payload, true);
        perform set_config('sinergi.scope_mac', sinergi_seal(payload), true);
        -- The read scope is derived here, once: the app builds its own Scope from these lists.
        return jsonb_build_object('accountOk', a.id is not null, 'accountId', a.id, 'ministryId', a.ministry_id, 'role', a.role,
          'pending', coalesce(a.pending, false), 'grants', grants, 'read', reads,
          'readsAll', case when a.role = 'AUDITOR' and not a.pending then '["mou"]'::jsonb else '[]'::jsonb end);
      end $$;`);
  }

  private accounts(): void {
    // Password hashes are never readable by the app role; logins compare them in sinergi_login.
    this.addSql(`revoke select on account from sinergi_app;`);
    this.addSql(`grant select (id, created_at, updated_at, version, email, display_name, ministry_id, role, active, pending, approved_at, approved_by_account_id) on account to sinergi_app;`);
    this.addSql(`create function sinergi_ministry_has_admin(p_ministry uuid) returns boolean language sql stable security definer set search_path = pg_catalog, public as $$
      select exists (select 1 from account where ministry_id = p_ministry and role = 'ADMIN' and not pending) $$;`);
    this.addSql(`alter table account enable row level security;`);
    this.addSql(`alter table account force row level security;`);
    this.addSql(`create policy owner_all on account to current_user using (true) with check (true);`);
    // Your own account; a ministry ADMIN its ministry's accounts; a PLATFORM_ADMIN every account.
    this.addSql(`create policy app_select on account for select to sinergi_app using (
      id = (select sinergi_account()) or (select sinergi_role()) = 'PLATFORM_ADMIN'
      or ((select sinergi_role()) = 'ADMIN' and ministry_id = (select sinergi_own())));`);
    // Separation of duties: a ministry ADMIN creates its VIEWERs and EDITORs; a PLATFORM_ADMIN creates
    // ministry ADMINs only, pending approval unless it is the ministry's first.
    this.addSql(`create policy app_insert on account for insert to sinergi_app with check (
      ((select sinergi_role()) = 'ADMIN' and ministry_id = (select sinergi_own()) and role in ('VIEWER', 'EDITOR') and not pending)
      or ((select sinergi_role()) = 'PLATFORM_ADMIN' and role = 'ADMIN' and ministry_id is not null and pending = sinergi_ministry_has_admin(ministry_id)));`);
    this.addSql(`create policy app_update on account for update to sinergi_app using (
      ((select sinergi_role()) = 'ADMIN' and ministry_id = (select sinergi_own()) and (role in ('VIEWER', 'EDITOR') or pending))
      or ((select sinergi_role()) = 'PLATFORM_ADMIN' and role = 'ADMIN'))
      with check (
      ((select sinergi_role()) = 'ADMIN' and ministry_id = (select sinergi_own()) and (role in ('VIEWER', 'EDITOR') or (role = 'ADMIN' and not pending)))
      or ((select sinergi_role()) = 'PLATFORM_ADMIN' and role = 'ADMIN'));`);
    // What each may change on a row it may update: a ministry ADMIN approves a pending ADMIN and
    // nothing else of it; a PLATFORM_ADMIN (de)activates or renames ADMINs, never sets their password.
    this.addSql(`create function sinergi_account_guard() returns trigger language plpgsql as $$
      declare
        fixed text[] := array['version', 'updated_at', 'pending', 'approved_at', 'approved_by_account_id'];
      begin
        if current_user <> 'sinergi_app' then return new; end if;
        if new.email <> old.email or new.ministry_id is distinct from old.ministry_id then
          raise exception 'an account keeps its e-mail and ministry' using errcode = '42501';
        end if;
        if sinergi_role() = 'PLATFORM_ADMIN' then
          if new.password_hash <> old.password_hash or new.role <> old.role or new.pending <> old.pending then
            raise exception 'a PLATFORM_ADMIN does not set passwords, roles or approvals' using errcode = '42501';
          end if;
        elsif old.role <> 'ADMIN' and new.role not in ('VIEWER', 'EDITOR') then
          raise exception 'a ministry ADMIN grants VIEWER or EDITOR only' using errcode = '42501';
        elsif old.role = 'ADMIN' then
          if not (old.pending and not new.pending and new.approved_by_account_id = sinergi_account())
             or (to_jsonb(new) - fixed) <> (to_jsonb(old) - fixed) then
            raise exception 'a ministry ADMIN only approves a pending ADMIN' using errcode = '42501';
          end if;
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger account_guard before update on account for each row execute function sinergi_account_guard();`);
    // A changed role, ministry or password, or a deactivation, ends every session of the account:
    // old tokens are refused on their very next request.
    this.addSql(`create function sinergi_account_sessions_end() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $$
      begin
        if new.role <> old.role or new.ministry_id is distinct from old.ministry_id or new.password_hash <> old.password_hash or (old.active and not new.active) then
          update account_session set revoked_at = now() where account_id = new.id and revoked_at is null;
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger account_sessions_end after update on account for each row execute function sinergi_account_sessions_end();`);
  }

  private mous(): void {
    this.addSql(`create function sinergi_mou_is_own_draft(p_mou uuid) returns boolean language sql stable security definer set search_path = pg_catalog, public as $$
      select exists (select 1 from mou where id = p_mou and recorded_status = 'DRAFT' and owner_ministry_id = sinergi_own()) $$;`);
    this.addSql(`create function sinergi_mou_status(p_mou uuid) returns text language sql stable security definer set search_path = pg_catalog, public as $$
      select recorded_status::text from mou where id = p_mou $$;`);

    // Clauses: readable with their MoU; written only while it is the caller's own draft. A signed
    // MoU's clauses change only through the amendment functions (owner rights).
    for (const table of ['data_sharing_clause', 'mou_party', 'mou_version']) {
      this.addSql(`alter table ${table} enable row level security;`);
      this.addSql(`alter table ${table} force row level security;`);
      this.addSql(`create policy owner_all on ${table} to current_user using (true) with check (true);`);
      this.addSql(`create policy app_select on ${table} for select to sinergi_app using (exists (select 1 from mou m where m.id = mou_id));`);
    }
    this.addSql(`create policy app_insert on data_sharing_clause for insert to sinergi_app with check (sinergi_mou_is_own_draft(mou_id));`);
    this.addSql(`create policy app_update on data_sharing_clause for update to sinergi_app using (sinergi_mou_is_own_draft(mou_id)) with check (sinergi_mou_is_own_draft(mou_id));`);
    this.addSql(`create policy app_delete on data_sharing_clause for delete to sinergi_app using (sinergi_mou_is_own_draft(mou_id));`);

    // Parties: the drafter adds, removes and (by editing) unsigns them; each party's ADMIN signs its own row.
    this.addSql(`create policy app_insert on mou_party for insert to sinergi_app with check (sinergi_mou_is_own_draft(mou_id) and signed_at is null);`);
    this.addSql(`create policy app_delete on mou_party for delete to sinergi_app using (sinergi_mou_is_own_draft(mou_id));`);
    this.addSql(`create policy app_update on mou_party for update to sinergi_app
      using (sinergi_mou_is_own_draft(mou_id) or (ministry_id = (select sinergi_own()) and sinergi_mou_status(mou_id) = 'DRAFT'))
      with check ((sinergi_mou_is_own_draft(mou_id) and signed_at is null)
        or (ministry_id = (select sinergi_own()) and (select sinergi_role()) = 'ADMIN' and sinergi_mou_status(mou_id) = 'DRAFT'));`);

    // Versions: appended on behalf of the caller only; never changed.
    this.addSql(`revoke update, delete, truncate on mou_version from sinergi_app;`);
    this.addSql(`create policy app_insert on mou_version for insert to sinergi_app with check (
      actor_ministry_id = (select sinergi_own()) and actor_account_id = (select sinergi_account()) and exists (select 1 from mou m where m.id = mou_id));`);

    // The MoU row itself: RLS already limits writes to parties; this keeps what they may change.
    this.addSql(`create function sinergi_mou_guard() returns trigger language plpgsql as $$
      declare
        workflow text[] := array['version', 'updated_at', 'recorded_status', 'terminated_at', 'termination_reason'];
        unsigned int;
      begin
        if current_user <> 'sinergi_app' then return coalesce(new, old); end if;
        if tg_op = 'INSERT' then
          if new.recorded_status <> 'DRAFT' or new.terminated_at is not null then
            raise exception 'an MoU starts as a DRAFT' using errcode = '42501';
          end if;
          return new;
        end if;
        if tg_op = 'DELETE' then
          if old.recorded_status <> 'DRAFT' then raise exception 'a signed MoU is never deleted' using errcode = '42501'; end if;
          return old;
        end if;
        if new.owner_ministry_id <> old.owner_ministry_id then raise exception 'an MoU keeps its drafter' using errcode = '42501'; end if;
        if old.recorded_status = 'DRAFT' and new.recorded_status = 'DRAFT' then
          if old.owner_ministry_id <> sinergi_own() and (to_jsonb(new) - workflow) <> (to_jsonb(old) - workflow) then
            raise exception 'only the drafter edits a draft' using errcode = '42501';
          end if;
          return new;
        end if;
        if (to_jsonb(new) - workflow) <> (to_jsonb(old) - workflow) then
          raise exception 'a signed MoU changes only by an amendment signed by every party' using errcode = '42501';
        end if;
        if new.recorded_status = old.recorded_status then return new; end if;
        if sinergi_role() <> 'ADMIN' or not (old.party_ministry_ids @> array[sinergi_own()::text]) then
          raise exception 'only a party''s ADMIN signs or terminates an MoU' using errcode = '42501';
        end if;
        if old.recorded_status = 'DRAFT' and new.recorded_status = 'ACTIVE' then
          select count(*) into unsigned from mou_party where mou_id = new.id and signed_at is null;
          if unsigned > 0 or not exists (select 1 from mou_party where mou_id = new.id) then
            raise exception 'an MoU is ACTIVE only when every party has signed' using errcode = '42501';
          end if;
          return new;
        end if;
        if old.recorded_status = 'ACTIVE' and new.recorded_status = 'TERMINATED' and new.terminated_at is not null then
          return new;
        end if;
        raise exception 'MoU status % cannot become %', old.recorded_status, new.recorded_status using errcode = '42501';
      end $$;`);
    this.addSql(`create trigger mou_guard before insert or update or delete on mou for each row execute function sinergi_mou_guard();`);
  }

  private audit(): void {
    // One statement per event: the lock, the check that the caller chained onto the current head,
    // and the insert. A caller that guessed the head wrong gets the real one back, still holding the
    // lock, and signs again. The app role cannot insert any other way.
    this.addSql(`revoke insert on audit_event from sinergi_app;`);
    // Reading the log: auditors all of it, a ministry's ADMIN the events about its own ministry's data.
    this.addSql(`alter table audit_event enable row level security;`);
    this.addSql(`alter table audit_event force row level security;`);
    this.addSql(`create policy owner_all on audit_event to current_user using (true) with check (true);`);
    this.addSql(`create policy app_select on audit_event for select to sinergi_app using (
      (select sinergi_is_auditor()) or (subject_ministry_id = (select sinergi_own()) and (select sinergi_role()) = 'ADMIN'));`);
    this.addSql(`create function sinergi_audit_append(p_seq bigint, p_prev_hash text, p_occurred_at timestamptz, p_request_id text,
        p_actor_account_id uuid, p_actor_ministry_id uuid, p_actor_role text, p_operation text, p_entity_type text, p_entity_id text,
        p_subject_ministry_id uuid, p_changes jsonb, p_hash text, p_signature text)
      returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare head record;
      begin
        perform pg_advisory_xact_lock(73462011);
        select seq, hash into head from audit_event order by seq desc limit 1;
        if coalesce(head.seq, 0) + 1 <> p_seq or coalesce(head.hash, repeat('0', 64)) <> p_prev_hash then
          return jsonb_build_object('ok', false, 'seq', coalesce(head.seq, 0)::text, 'hash', coalesce(head.hash, repeat('0', 64)));
        end if;
        insert into audit_event (seq, occurred_at, request_id, actor_account_id, actor_ministry_id, actor_role, operation, entity_type, entity_id, subject_ministry_id, changes, prev_hash, hash, signature)
          values (p_seq, p_occurred_at, p_request_id, p_actor_account_id, p_actor_ministry_id, p_actor_role, p_operation, p_entity_type, p_entity_id, p_subject_ministry_id, p_changes, p_prev_hash, p_hash, p_signature);
        return jsonb_build_object('ok', true);
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop policy if exists owner_all on audit_event;`);
    this.addSql(`drop policy if exists app_select on audit_event;`);
    this.addSql(`alter table audit_event no force row level security;`);
    this.addSql(`alter table audit_event disable row level security;`);
    this.addSql(`drop function if exists sinergi_audit_append(bigint, text, timestamptz, text, uuid, uuid, text, text, text, text, uuid, jsonb, text, text);`);
    this.addSql(`grant insert on audit_event to sinergi_app;`);
    this.addSql(`drop trigger if exists mou_guard on mou;`);
    this.addSql(`drop function if exists sinergi_mou_guard();`);
    for (const table of ['data_sharing_clause', 'mou_party', 'mou_version', 'account']) {
      for (const p of ['owner_all', 'app_select', 'app_insert', 'app_update', 'app_delete']) this.addSql(`drop policy if exists ${p} on ${table};`);
      this.addSql(`alter table ${table} no force row level security;`);
      this.addSql(`alter table ${table} disable row level security;`);
    }
    this.addSql(`drop trigger if exists account_sessions_end on account;`);
    this.addSql(`drop function if exists sinergi_account_sessions_end();`);
    this.addSql(`drop trigger if exists account_guard on account;`);
    this.addSql(`drop function if exists sinergi_account_guard();`);
    this.addSql(`grant select on account to sinergi_app;`);
    this.addSql(`drop function if exists sinergi_begin_request(uuid, text);`);
    this.addSql(`drop function if exists sinergi_login(text, text, int);`);
    this.addSql(`drop function if exists sinergi_login_params(text);`);
    this.addSql(`drop function if exists sinergi_open_session(uuid, int);`);
    this.addSql(`drop table if exists account_session;`);
    this.addSql(`alter table account drop column pending, drop column approved_at, drop column approved_by_account_id;`);
  }
}
