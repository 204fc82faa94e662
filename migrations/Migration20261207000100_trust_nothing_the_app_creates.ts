import { Migration } from '@mikro-orm/migrations';

/**
 * The database trusts nothing the app role can create (issue 29).
 *
 * An insider holding the app role's password created a temporary table named
 * `sinergi_secret` with keys of its own, sealed a scope that read every
 * ministry with them, and the definer functions believed it: their
 * `search_path` named `pg_catalog, public`, and PostgreSQL searches the
 * session's temporary schema first unless `pg_temp` is named, last. Now:
 *
 * - **Every definer function** sets `search_path = pg_catalog, public, pg_temp`
 *   (PostgreSQL's "Writing SECURITY DEFINER Functions Safely").
 *   `test/insider.test.ts` reads the catalogue and fails for any
 *   definer function written otherwise, next year's too.
 * - **Nowhere to create anything.** PUBLIC and the app role lose CREATE on
 *   every schema and TEMPORARY and CREATE on the database (also re-applied at
 *   every start by `lockDownDatabase`: a database cloned from a template does
 *   not inherit the template's database grants).
 * - **No storage of its own:** large objects and `pg_notify` go to the owner.
 *   The `NOTIFY` statement cannot be revoked by PostgreSQL; the server listens
 *   on no channel, so a notification carries no weight.
 * - **The audit chain takes only events the server wrote.** `sinergi_audit_link`
 *   and `sinergi_audit_seal` check a proof: HMAC-SHA256 under a link key
 *   derived from AUDIT_KEY (one way: the key itself never reaches the database),
 *   registered by the server with the owner's rights at start
 *   (modules/audit/audit-key.ts). Without it, an insider appended a forged event
 *   and the verifier answered "invalid" for good. A replayed event (its proof
 *   seen in `pg_stat_activity`) is refused by a unique content digest.
 *
 * Changing the grants of built-in functions needs a superuser: under an owner
 * that is not one, the migration says so and leaves them as they are.
 */
export class Migration20261207000100_trust_nothing_the_app_creates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`do $$
      declare f regprocedure;
      begin
        for f in select p.oid::regprocedure from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%' loop
          execute format('alter function %s set search_path = pg_catalog, public, pg_temp', f);
        end loop;
      end $$;`);
    this.addSql(`revoke create on schema public from public;`);
    this.addSql(`revoke create on schema public from sinergi_app;`);
    this.addSql(LOCK_DOWN_DATABASE);
    this.addSql(`do $$
      declare f regprocedure;
      begin
        for f in select p.oid::regprocedure from pg_proc p
            where p.pronamespace = 'pg_catalog'::regnamespace
              and p.proname in ('lo_creat', 'lo_create', 'lo_from_bytea', 'lo_import', 'lo_put', 'lo_open', 'lowrite', 'pg_notify') loop
          execute format('revoke execute on function %s from public; grant execute on function %s to %I', f, f, current_user);
        end loop;
      exception when insufficient_privilege then
        raise notice 'large objects and pg_notify left open to every role: only a superuser can restrict them';
      end $$;`);
    this.auditProof();
    this.referenceTables();
  }

  /**
   * Ministries and destination countries were the two tables the app role
   * wrote without row-level security: an insider renamed a ministry or lifted
   * a moratorium in one statement. Now the database asks what the API asks:
   * a PLATFORM_ADMIN adds and renames ministries; an EDITOR or ADMIN of the
   * coordinator (KP2MI) edits destinations. Nothing deletes either.
   */
  private referenceTables(): void {
    this.addSql(`revoke delete, truncate on ministry, destination_country from sinergi_app;`);
    for (const table of ['ministry', 'destination_country']) {
      this.addSql(`alter table ${table} enable row level security;`);
      this.addSql(`alter table ${table} force row level security;`);
      this.addSql(`create policy owner_all on ${table} to current_user using (true) with check (true);`);
      this.addSql(`create policy app_select on ${table} for select to sinergi_app using (true);`);
    }
    this.addSql(`create policy app_insert on ministry for insert to sinergi_app with check ((select sinergi_role()) = 'PLATFORM_ADMIN');`);
    this.addSql(`create policy app_update on ministry for update to sinergi_app using ((select sinergi_role()) = 'PLATFORM_ADMIN') with check (true);`);
    const coordinatorWriter = `(select sinergi_role()) in ('EDITOR', 'ADMIN') and (select sinergi_own()) = (select m.id from ministry m where m.code = 'KP2MI')`;
    this.addSql(`create policy app_insert on destination_country for insert to sinergi_app with check (${coordinatorWriter});`);
    this.addSql(`create policy app_update on destination_country for update to sinergi_app using (${coordinatorWriter}) with check (true);`);
  }

  private auditProof(): void {
    // Same construction as sinergi_seal: the padded keys are kept, hmac = sha256(opad || sha256(ipad || m)).
    this.addSql(`create function sinergi_audit_mac(p_message text) returns text language plpgsql stable security definer
      set search_path = pg_catalog, public, pg_temp as $$
      declare ipad bytea; opad bytea;
      begin
        select value into ipad from sinergi_secret where name = 'audit_link_ipad';
        select value into opad from sinergi_secret where name = 'audit_link_opad';
        if ipad is null or opad is null then
          raise exception 'no audit key is registered with this database' using errcode = '42501';
        end if;
        return encode(sha256(opad || sha256(ipad || convert_to(p_message, 'UTF8'))), 'hex');
      end $$;`);
    this.addSql(`revoke all on function sinergi_audit_mac(text) from public;`);

    this.addSql(`drop function sinergi_audit_link(timestamptz, text, uuid, uuid, text, text, text, text, uuid, jsonb, text, text);`);
    this.addSql(`create function sinergi_audit_link(p_occurred_at timestamptz, p_request_id text, p_actor_account_id uuid,
        p_actor_ministry_id uuid, p_actor_role text, p_operation text, p_entity_type text, p_entity_id text,
        p_subject_ministry_id uuid, p_changes jsonb, p_digest text, p_signature text, p_proof text,
        out seq text, out prev_hash text, out hash text)
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare head record;
      begin
        if p_digest !~ '^[0-9a-f]{64}$' or p_signature !~ '^[0-9a-f]{64}$' then
          raise exception 'an audit event needs a digest and a signature of 64 hex digits' using errcode = '22023';
        end if;
        -- Only the server holds the link key: an event without its proof was not written by the server.
        if p_proof is null or p_proof <> sinergi_audit_mac('link:' || p_digest) then
          raise exception 'an audit event needs the proof of the audit key' using errcode = '42501';
        end if;
        -- Held until the transaction ends: the head read here cannot move before this event commits.
        perform pg_advisory_xact_lock(73462011);
        select e.seq, e.hash into head from audit_event e order by e.seq desc limit 1;
        seq := (coalesce(head.seq, 0) + 1)::text;
        prev_hash := coalesce(head.hash, repeat('0', 64));
        hash := encode(sha256(convert_to(prev_hash || ':' || seq || ':' || p_digest, 'UTF8')), 'hex');
        insert into audit_event (seq, occurred_at, request_id, actor_account_id, actor_ministry_id, actor_role, operation,
            entity_type, entity_id, subject_ministry_id, changes, prev_hash, hash, signature, content_digest)
          values (seq::bigint, p_occurred_at, p_request_id, p_actor_account_id, p_actor_ministry_id, p_actor_role, p_operation,
            p_entity_type, p_entity_id, p_subject_ministry_id, p_changes, prev_hash, hash, p_signature, p_digest);
      end $$;`);
    this.addSql(`revoke all on function sinergi_audit_link(timestamptz, text, uuid, uuid, text, text, text, text, uuid, jsonb, text, text, text) from public;`);
    this.addSql(`grant execute on function sinergi_audit_link(timestamptz, text, uuid, uuid, text, text, text, text, uuid, jsonb, text, text, text) to sinergi_app;`);
    // A replay of an event the server wrote (its proof read off pg_stat_activity) would pass the proof check.
    this.addSql(`create unique index if not exists audit_event_content_digest_unique on audit_event (content_digest);`);

    this.addSql(`drop function sinergi_audit_seal(bigint[], text[], text[]);`);
    this.addSql(`create function sinergi_audit_seal(p_seq bigint[], p_hash text[], p_signature text[], p_proof text[]) returns void
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      begin
        -- A seal planted before the server's own (between the event's COMMIT and its seal) would stand for good.
        if exists (select 1 from unnest(p_hash, p_proof) as u (hash, proof) where u.proof is null or u.proof <> sinergi_audit_mac('seal:' || u.hash)) then
          raise exception 'an audit seal needs the proof of the audit key' using errcode = '42501';
        end if;
        insert into audit_seal (seq, hash, signature)
          select u.seq, u.hash, u.signature from unnest(p_seq, p_hash, p_signature) as u (seq, hash, signature)
            join audit_event e on e.seq = u.seq and e.hash = u.hash
          on conflict (seq) do nothing;
      end $$;`);
    this.addSql(`revoke all on function sinergi_audit_seal(bigint[], text[], text[], text[]) from public;`);
    this.addSql(`grant execute on function sinergi_audit_seal(bigint[], text[], text[], text[]) to sinergi_app;`);
  }
}

/**
 * TEMPORARY and CREATE on the current database, taken from PUBLIC and the app
 * role. Database grants live outside the database: a clone of a template
 * starts with PostgreSQL's defaults again, so every start applies this too.
 */
export const LOCK_DOWN_DATABASE = `do $$
  begin
    execute format('revoke temporary, create on database %I from public', current_database());
    execute format('revoke temporary, create on database %I from sinergi_app', current_database());
  exception when insufficient_privilege then
    raise warning 'the app role may still create temporary tables: only the owner of database % can revoke that', current_database();
  end $$;`;
