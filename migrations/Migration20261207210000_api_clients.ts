import { Migration } from '@mikro-orm/migrations';

/**
 * Client apps with credentials of their own (issue 32, item 1).
 *
 * - **An app is an account of kind APP** (`account.kind`): the session, the
 *   scope, the row-level security, the audit trail and the read log then
 *   treat it as they treat a person, and name it. Its role is its ceiling,
 *   VIEWER or EDITOR. It never signs in with a password: `sinergi_login`
 *   and `sinergi_login_params` know persons only, and nobody sets an app's
 *   password.
 * - **`api_client`**: its public client id, name and ministry; **`api_client_secret`**:
 *   the SHA-256 of each secret (a secret is 256 random bits, so a fast hash
 *   is enough; no password is stored here), with when it stops working. The
 *   app role reads the first (an app's name is no secret: the audit trail and
 *   the read log name it to every reader) and never the second.
 * - **Writes only through definer functions** that check the sealed scope: a
 *   ministry ADMIN creates, rotates and revokes its own ministry's apps
 *   (never a PLATFORM_ADMIN: separation of duties). Revocation deactivates the
 *   account, which ends its sessions (`sinergi_account_sessions_end`): every
 *   server process refuses the app's tokens on their next request, since
 *   each request asks the database (`sinergi_begin_request`).
 * - **`sinergi_api_client_session`** opens a session for a client id and
 *   the hash of a live secret: the OAuth 2.0 client-credentials grant.
 */
export class Migration20261207210000_api_clients extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table account add column kind text not null default 'PERSON' constraint account_kind_check check (kind in ('PERSON', 'APP'));`);
    this.addSql(`grant select (kind) on account to sinergi_app;`);
    // The app role inserts persons only; apps come from sinergi_api_client_create.
    this.addSql(`drop policy app_insert on account;`);
    this.addSql(`create policy app_insert on account for insert to sinergi_app with check (kind = 'PERSON' and (
      ((select sinergi_role()) = 'ADMIN' and ministry_id = (select sinergi_own()) and role in ('VIEWER', 'EDITOR') and not pending)
      or ((select sinergi_role()) = 'PLATFORM_ADMIN' and role = 'ADMIN' and ministry_id is not null and pending = sinergi_ministry_has_admin(ministry_id))));`);
    this.addSql(`create or replace function sinergi_account_guard() returns trigger language plpgsql as $$
      declare
        fixed text[] := array['version', 'updated_at', 'pending', 'approved_at', 'approved_by_account_id'];
      begin
        if current_user <> 'sinergi_app' then return new; end if;
        if new.email <> old.email or new.ministry_id is distinct from old.ministry_id or new.kind <> old.kind then
          raise exception 'an account keeps its e-mail, ministry and kind' using errcode = '42501';
        end if;
        if old.kind = 'APP' then
          raise exception 'a client app is changed through its own functions only' using errcode = '42501';
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
    this.addSql(`create or replace function sinergi_login_params(p_email text) returns text language sql stable security definer
      set search_path = pg_catalog, public, pg_temp as $$
      select coalesce(
        (select substring(password_hash from '^(\\$argon2id\\$v=[0-9]+\\$m=[0-9]+,t=[0-9]+,p=[0-9]+\\$[A-Za-z0-9+/]+)\\$') from account where email = lower(p_email) and kind = 'PERSON'),
        '$argon2id$v=19$m=19456,t=2,p=1$' || rtrim(encode(substring(sha256(convert_to(lower(p_email), 'UTF8') || (select value from sinergi_secret where name = 'login_pepper')) from 1 for 16), 'base64'), '=')) $$;`);
    this.addSql(`create or replace function sinergi_login(p_email text, p_proof text, p_ttl_seconds int) returns jsonb language plpgsql volatile security definer
      set search_path = pg_catalog, public, pg_temp as $$
      declare a record;
      begin
        select id, role::text as role, ministry_id, pending into a from account
          where email = lower(p_email) and password_hash = p_proof and active and kind = 'PERSON';
        if a.id is null then return null; end if;
        return sinergi_open_session(a.id, p_ttl_seconds) || jsonb_build_object('accountId', a.id, 'role', a.role, 'ministryId', a.ministry_id, 'pending', a.pending);
      end $$;`);

    // Its id is its account's: both rows are made together by sinergi_api_client_create, the table's only writer.
    this.addSql(`create table api_client (
      id uuid primary key,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version int not null default 1,
      client_id text not null constraint api_client_client_id_unique unique,
      name text not null,
      ministry_id uuid not null constraint api_client_ministry_id_foreign references ministry (id) on update cascade on delete restrict,
      role "role" not null constraint api_client_role_check check (role in ('VIEWER', 'EDITOR')),
      created_by_account_id uuid not null,
      revoked_at timestamptz null,
      revoked_by_account_id uuid null);`);
    this.addSql(`create unique index "api_client_live_name" on "api_client" ("ministry_id", lower("name")) where "revoked_at" is null;`);
    this.addSql(`create table api_client_secret (
      id uuid primary key default gen_random_uuid(),
      client uuid not null references api_client (id),
      secret_hash text not null constraint api_client_secret_hash_unique unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz null);`);
    this.addSql(`create index api_client_secret_client_index on api_client_secret (client);`);
    this.addSql(`revoke all on api_client, api_client_secret from sinergi_app;`);
    this.addSql(`grant select on api_client to sinergi_app;`);
    this.addSql(`alter table api_client enable row level security;`);
    this.addSql(`alter table api_client force row level security;`);
    this.addSql(`create policy owner_all on api_client to current_user using (true) with check (true);`);
    // Any signed-in caller: the audit trail and the read log name apps to every reader of them.
    this.addSql(`create policy app_select on api_client for select to sinergi_app using ((select sinergi_role()) is not null);`);

    this.addSql(`create function sinergi_api_client_create(p_client_id text, p_name text, p_role text, p_secret_hash text) returns uuid
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare own uuid := sinergi_own(); id uuid := gen_random_uuid();
      begin
        if sinergi_role() is distinct from 'ADMIN' or own is null then
          raise exception 'only a ministry ADMIN registers a client app' using errcode = '42501';
        end if;
        if p_role not in ('VIEWER', 'EDITOR') then raise exception 'a client app is a VIEWER or an EDITOR' using errcode = '22023'; end if;
        if p_client_id !~ '^app_[A-Za-z0-9_-]{22}$' or p_secret_hash !~ '^[0-9a-f]{64}$' then
          raise exception 'a client id and the SHA-256 of a secret are needed' using errcode = '22023';
        end if;
        insert into account (id, email, password_hash, display_name, ministry_id, role, active, pending, kind)
          values (id, lower(p_client_id) || '@clients.sinergi.invalid', '!', p_name, own, p_role::role, true, false, 'APP');
        insert into api_client (id, client_id, name, ministry_id, role, created_by_account_id)
          values (id, p_client_id, p_name, own, p_role::role, sinergi_account());
        insert into api_client_secret (client, secret_hash) values (id, p_secret_hash);
        return id;
      end $$;`);
    // The live secrets stop working after the overlap; the new one works from now. Null when the app is not the caller's ministry's or is revoked.
    this.addSql(`create function sinergi_api_client_rotate(p_id uuid, p_secret_hash text, p_overlap_seconds int) returns timestamptz
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare until timestamptz := now() + make_interval(secs => greatest(p_overlap_seconds, 0));
      begin
        if sinergi_role() is distinct from 'ADMIN' then return null; end if;
        if p_secret_hash !~ '^[0-9a-f]{64}$' then raise exception 'the SHA-256 of a secret is needed' using errcode = '22023'; end if;
        perform 1 from api_client where id = p_id and ministry_id = sinergi_own() and revoked_at is null for update;
        if not found then return null; end if;
        update api_client_secret set expires_at = least(coalesce(expires_at, 'infinity'), until)
          where client = p_id and (expires_at is null or expires_at > now());
        insert into api_client_secret (client, secret_hash) values (p_id, p_secret_hash);
        update api_client set updated_at = now(), version = version + 1 where id = p_id;
        return until;
      end $$;`);
    this.addSql(`create function sinergi_api_client_revoke(p_id uuid) returns boolean
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      begin
        if sinergi_role() is distinct from 'ADMIN' then return false; end if;
        update api_client set revoked_at = now(), revoked_by_account_id = sinergi_account(), updated_at = now(), version = version + 1
          where id = p_id and ministry_id = sinergi_own() and revoked_at is null;
        if not found then return false; end if;
        update api_client_secret set expires_at = now() where client = p_id and (expires_at is null or expires_at > now());
        -- Deactivated, the account's sessions end (sinergi_account_sessions_end): its tokens are refused everywhere at once.
        update account set active = false, updated_at = now(), version = version + 1 where id = p_id;
        return true;
      end $$;`);
    // The client-credentials grant: a session for the app of a client id and a live secret's hash, or null.
    this.addSql(`create function sinergi_api_client_session(p_client_id text, p_secret_hash text, p_ttl_seconds int) returns jsonb
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare c record;
      begin
        select a.id, a.role::text as role, a.ministry_id into c
          from api_client k join account a on a.id = k.id
         where k.client_id = p_client_id and k.revoked_at is null and a.active and a.kind = 'APP'
           and exists (select 1 from api_client_secret s where s.client = k.id and s.secret_hash = p_secret_hash
                         and (s.expires_at is null or s.expires_at > now()));
        if c.id is null then return null; end if;
        return sinergi_open_session(c.id, p_ttl_seconds) || jsonb_build_object('accountId', c.id, 'role', c.role, 'ministryId', c.ministry_id, 'pending', false);
      end $$;`);
    for (const fn of [
      'sinergi_api_client_create(text, text, text, text)',
      'sinergi_api_client_rotate(uuid, text, int)',
      'sinergi_api_client_revoke(uuid)',
      'sinergi_api_client_session(text, text, int)',
    ]) {
      this.addSql(`revoke all on function ${fn} from public;`);
      this.addSql(`grant execute on function ${fn} to sinergi_app;`);
    }
  }

  override async down(): Promise<void> {
    for (const fn of [
      'sinergi_api_client_create(text, text, text, text)',
      'sinergi_api_client_rotate(uuid, text, int)',
      'sinergi_api_client_revoke(uuid)',
      'sinergi_api_client_session(text, text, int)',
    ])
      this.addSql(`drop function if exists ${fn};`);
    this.addSql(`drop table if exists api_client_secret, api_client;`);
    this.addSql(`delete from account where kind = 'APP';`);
    this.addSql(`alter table account drop column kind;`);
  }
}
