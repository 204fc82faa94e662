import { Migration } from '@mikro-orm/migrations';

/**
 * Witnesses of the audit log (issue 31), and checkpoints the database checks.
 *
 * - `sinergi_audit_log_root(size)`: the root of the tree of `size` leaves
 *   (RFC 9162), computed from the stored tiles. `sinergi_audit_log_checkpoint`
 *   now keeps a checkpoint only when its root is that root: the app role's
 *   password no longer stores a checkpoint of a tree that is not there. The
 *   database cannot check an Ed25519 signature; the server verifies each
 *   stored note with its key before using it, and a note that does not verify
 *   no longer takes the place of one that does: a size may hold several notes.
 * - `audit_log_witness`: the witness keys an auditor or a ministry ADMIN
 *   registered (`sinergi_audit_log_register_witness`, for the sealed scope's
 *   ministry, or the auditors); only their cosignatures are accepted.
 * - `audit_log_cosignature`: each registered witness's cosignature of a
 *   checkpoint (its size and root), served with the checkpoint. Append-only;
 *   the server verifies each before serving it.
 */
export class Migration20261207190000_audit_log_witnesses extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function sinergi_audit_log_root(p_size bigint) returns bytea
      language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
      declare
        start bigint := 0;
        k int;
        lvl int;
        n bigint;
        block bytea[];
        roots bytea[] := '{}';
        r bytea;
        i int;
      begin
        if p_size = 0 then return sha256(''::bytea); end if;
        -- The complete subtrees the tree splits into, largest first (RFC 9162 splits at the largest power of two).
        while start < p_size loop
          k := 0;
          while (1::bigint << (k + 1)) <= p_size - start loop k := k + 1; end loop;
          lvl := (k / 8) * 8;
          n := 1::bigint << (k - lvl);
          if lvl = 0 then
            select array_agg(l.hash order by l.idx) into block from audit_log_leaf l where l.idx between start and start + n - 1;
          else
            select array_agg(h.hash order by h.idx) into block from audit_log_hash h
              where h.level = lvl and h.idx between start >> lvl and (start >> lvl) + n - 1;
          end if;
          if coalesce(array_length(block, 1), 0) <> n then raise exception 'the tree has no % leaves', p_size using errcode = '22023'; end if;
          roots := roots || sinergi_merkle_root(block);
          start := start + (1::bigint << k);
        end loop;
        r := roots[array_length(roots, 1)];
        for i in reverse array_length(roots, 1) - 1 .. 1 loop
          r := sha256('\\x01'::bytea || roots[i] || r);
        end loop;
        return r;
      end $$;`);

    this.addSql(`create or replace function sinergi_audit_log_checkpoint(p_size bigint, p_key_name text, p_root bytea, p_note text) returns void
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      begin
        if p_size < 0 or p_size > (select coalesce(max(l.idx) + 1, 0) from audit_log_leaf l) then
          raise exception 'no tree of % leaves to sign', p_size using errcode = '22023';
        end if;
        if p_root is distinct from sinergi_audit_log_root(p_size) then
          raise exception 'the tree of % leaves has another root', p_size using errcode = '22023';
        end if;
        if split_part(p_note, E'\\n', 2) <> p_size::text or split_part(p_note, E'\\n', 3) <> encode(p_root, 'base64') then
          raise exception 'the note does not state the size and root given' using errcode = '22023';
        end if;
        insert into audit_log_checkpoint (size, key_name, root, note) values (p_size, p_key_name, p_root, p_note) on conflict do nothing;
      end $$;`);
    this.addSql(`alter table audit_log_checkpoint drop constraint audit_log_checkpoint_pkey;`);
    this.addSql(`create unique index audit_log_checkpoint_note on audit_log_checkpoint (key_name, size, md5(note));`);
    this.addSql(`create index audit_log_checkpoint_newest on audit_log_checkpoint (key_name, size desc);`);
    this.addSql(`create index audit_log_checkpoint_root on audit_log_checkpoint (size, root);`);
    this.addSql(`revoke all on function sinergi_audit_log_root(bigint) from public;`);
    this.addSql(`grant execute on function sinergi_audit_log_root(bigint) to sinergi_app;`);

    this.addSql(`create table audit_log_witness (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      verifier_key text not null,
      ministry_id uuid null references ministry (id),
      registered_by uuid not null,
      registered_at timestamptz not null default now(),
      revoked_at timestamptz null,
      revoked_by uuid null,
      constraint audit_log_witness_key_unique unique (verifier_key));`);
    // Witnesses are told apart by name (a cosignature line names its key): one live key per name.
    this.addSql(`create unique index audit_log_witness_live_name on audit_log_witness (name) where revoked_at is null;`);
    this.addSql(`create table audit_log_cosignature (
      witness_id uuid not null references audit_log_witness (id),
      size bigint not null,
      root bytea not null,
      line text not null,
      received_at timestamptz not null default now(),
      constraint audit_log_cosignature_pkey primary key (size, root, witness_id));`);

    this.addSql(`create trigger audit_log_witness_no_delete before delete or truncate on audit_log_witness for each statement execute function audit_event_append_only();`);
    this.addSql(`create trigger audit_log_cosignature_no_change before update or delete on audit_log_cosignature for each row execute function audit_event_append_only();`);
    this.addSql(`create trigger audit_log_cosignature_no_truncate before truncate on audit_log_cosignature for each statement execute function audit_event_append_only();`);
    for (const table of ['audit_log_witness', 'audit_log_cosignature']) {
      this.addSql(`alter table ${table} enable row level security;`);
      this.addSql(`alter table ${table} force row level security;`);
      this.addSql(`create policy owner_all on ${table} to current_user using (true) with check (true);`);
      // Public keys and signatures: no personal value. Written only through the functions below.
      this.addSql(`revoke all on ${table} from sinergi_app;`);
      this.addSql(`grant select on ${table} to sinergi_app;`);
      this.addSql(`create policy app_select on ${table} for select to sinergi_app using (true);`);
    }

    // Registered for the sealed scope's ministry by its ADMIN, or for the auditors (no ministry) by an AUDITOR.
    this.addSql(`create function sinergi_audit_log_register_witness(p_name text, p_verifier_key text) returns uuid
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare role text := sinergi_role(); id uuid;
      begin
        if role is null or role not in ('ADMIN', 'AUDITOR') or (role = 'ADMIN' and sinergi_own() is null) then
          raise exception 'only a ministry ADMIN or an AUDITOR registers a witness' using errcode = '42501';
        end if;
        if split_part(p_verifier_key, '+', 1) <> p_name then raise exception 'the key is not named %', p_name using errcode = '22023'; end if;
        insert into audit_log_witness (name, verifier_key, ministry_id, registered_by)
          values (p_name, p_verifier_key, case when role = 'ADMIN' then sinergi_own() end, sinergi_account()) returning audit_log_witness.id into id;
        return id;
      end $$;`);
    this.addSql(`create function sinergi_audit_log_revoke_witness(p_id uuid) returns boolean
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare role text := sinergi_role();
      begin
        if role is null or role not in ('ADMIN', 'AUDITOR') then return false; end if;
        update audit_log_witness set revoked_at = now(), revoked_by = sinergi_account()
          where id = p_id and revoked_at is null
            and ministry_id is not distinct from (case when role = 'ADMIN' then sinergi_own() end)
            and (role = 'AUDITOR' or sinergi_own() is not null);
        return found;
      end $$;`);
    // The database cannot check an Ed25519 cosignature: it keeps a line only of a live witness, naming that
    // witness, for a checkpoint the log stored; the server verifies each line before it keeps or serves it.
    this.addSql(`create function sinergi_audit_log_cosign(p_witness uuid, p_size bigint, p_root bytea, p_line text) returns void
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare w audit_log_witness;
      begin
        select * into w from audit_log_witness where id = p_witness and revoked_at is null;
        if w.id is null then raise exception 'no live witness %', p_witness using errcode = '22023'; end if;
        if p_line not like (E'\u2014 ' || w.name || ' %') or length(p_line) > 300 then
          raise exception 'not a cosignature line of %', w.name using errcode = '22023';
        end if;
        if not exists (select 1 from audit_log_checkpoint c where c.size = p_size and c.root = p_root) then
          raise exception 'no checkpoint of size % with that root', p_size using errcode = '22023';
        end if;
        insert into audit_log_cosignature (witness_id, size, root, line) values (p_witness, p_size, p_root, p_line) on conflict do nothing;
      end $$;`);
    for (const fn of ['sinergi_audit_log_register_witness(text, text)', 'sinergi_audit_log_revoke_witness(uuid)', 'sinergi_audit_log_cosign(uuid, bigint, bytea, text)']) {
      this.addSql(`revoke all on function ${fn} from public;`);
      this.addSql(`grant execute on function ${fn} to sinergi_app;`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_audit_log_cosign(uuid, bigint, bytea, text);`);
    this.addSql(`drop function if exists sinergi_audit_log_revoke_witness(uuid);`);
    this.addSql(`drop function if exists sinergi_audit_log_register_witness(text, text);`);
    this.addSql(`drop table if exists audit_log_cosignature, audit_log_witness;`);
    this.addSql(`drop index if exists audit_log_checkpoint_note, audit_log_checkpoint_newest, audit_log_checkpoint_root;`);
    this.addSql(`alter table audit_log_checkpoint add constraint audit_log_checkpoint_pkey primary key (size, key_name);`);
    this.addSql(`drop function if exists sinergi_audit_log_root(bigint);`);
  }
}
