import { Migration } from '@mikro-orm/migrations';

/**
 * The audit log as a Merkle tree (issue 31; RFC 9162 hashing, C2SP tiles).
 *
 * Every audit event and every personal-data read becomes a leaf, in the order
 * it commits: a trigger queues each new row (`audit_log_pending`), and
 * `sinergi_audit_log_integrate`, which the server calls about once a second,
 * takes what has committed since into the tree. The database writes the
 * leaves itself, from the rows: neither the server nor the app role's
 * password can add a leaf that no event or read stands behind. A leaf holds
 * no personal value: a version tag, its kind, its reference (the event's
 * sequence number, the read's id) and the digest of its content —
 *   an event: its content digest (events linked by the database), else its hash (older events);
 *   a read:   SHA-256 of `sinergi-read/v1`, then its id, time, reader, reader's ministry, owner ministry,
 *             resource type, record, fields (comma-separated), clause and MoU, each on a line of its own.
 * The hash of each complete tile of 256 hashes (RFC 9162 subtrees of 256,
 * 65,536, … leaves) is kept in `audit_log_hash`: with the leaves' hashes that
 * is every tile of C2SP tlog-tiles, and every hash a proof needs is computed
 * from at most three of them. Checkpoints the server signed are kept in
 * `audit_log_checkpoint`. All of it is append-only, and the app role reads it
 * and writes it only through the definer functions.
 *
 * The events and reads already written become the first leaves, in order.
 */
export class Migration20261207170000_audit_transparency_log extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table audit_log_pending (id bigserial primary key, kind text not null check (kind in ('event', 'read')), ref text not null);`);
    this.addSql(`create table audit_log_leaf (idx bigint primary key, kind text not null, ref text not null, data bytea not null, hash bytea not null,
      integrated_at timestamptz not null default now(), constraint audit_log_leaf_ref_unique unique (kind, ref));`);
    this.addSql(`create table audit_log_hash (level smallint not null, idx bigint not null, hash bytea not null, constraint audit_log_hash_pkey primary key (level, idx));`);
    this.addSql(`create table audit_log_checkpoint (size bigint not null, key_name text not null, root bytea not null, note text not null,
      created_at timestamptz not null default now(), constraint audit_log_checkpoint_pkey primary key (size, key_name));`);

    // Queued as they are inserted, once per statement: a request's 200 reads are one more statement, not 200.
    this.addSql(`create function sinergi_audit_log_enqueue() returns trigger
      language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
      begin
        if tg_table_name = 'audit_event' then
          insert into audit_log_pending (kind, ref) select 'event', a.seq::text from added a order by a.seq;
        else
          insert into audit_log_pending (kind, ref) select 'read', a.id::text from added a order by a.id;
        end if;
        return null;
      end $$;`);
    this.addSql(`create trigger audit_log_enqueue after insert on audit_event referencing new table as added
      for each statement execute function sinergi_audit_log_enqueue();`);
    this.addSql(`create trigger audit_log_enqueue after insert on personal_data_read referencing new table as added
      for each statement execute function sinergi_audit_log_enqueue();`);

    // The root of a complete subtree given its 2^k hashes (RFC 9162: node = SHA-256(0x01 || left || right)).
    this.addSql(`create function sinergi_merkle_root(p_hashes bytea[]) returns bytea
      language plpgsql immutable set search_path = pg_catalog, pg_temp as $$
      declare level bytea[] := p_hashes; above bytea[]; i int;
      begin
        while array_length(level, 1) > 1 loop
          above := '{}';
          i := 1;
          while i < array_length(level, 1) loop
            above := above || sha256('\\x01'::bytea || level[i] || level[i + 1]);
            i := i + 2;
          end loop;
          level := above;
        end loop;
        return level[1];
      end $$;`);

    this.addSql(`create function sinergi_audit_log_integrate(p_max int) returns bigint
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare
        size bigint;
        r record;
        leaf bytea;
        lvl int;
        at bigint;
        block bytea[];
      begin
        -- One integrator at a time, whichever process calls: the tree has one order.
        perform pg_advisory_xact_lock(73462012);
        select coalesce(max(l.idx) + 1, 0) into size from audit_log_leaf l;
        for r in
          with taken as (
            delete from audit_log_pending p where p.id in (select q.id from audit_log_pending q order by q.id limit greatest(p_max, 1))
            returning p.id, p.kind, p.ref)
          select t.id, t.kind, t.ref,
            case when t.kind = 'event' then (select coalesce(e.content_digest, e.hash) from audit_event e where e.seq = t.ref::bigint)
            else (select encode(sha256(convert_to(concat_ws(E'\\n', 'sinergi-read/v1', d.id::text,
                    to_char(d.read_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), d.reader_account_id::text,
                    d.reader_ministry_id::text, d.owner_ministry_id::text, d.resource_type::text, d.record_id::text,
                    array_to_string(d.fields, ','), d.clause_id::text, d.mou_id::text) || E'\\n', 'UTF8')), 'hex')
                  from personal_data_read d where d.id = t.ref::uuid) end as digest
          from taken t order by t.id
        loop
          -- A row no longer there (a seed's reset of the programme tables) leaves nothing to log.
          continue when r.digest is null;
          leaf := convert_to('sinergi-audit-log-leaf/v1' || E'\\n' || r.kind || E'\\n' || r.ref || E'\\n' || r.digest || E'\\n', 'UTF8');
          insert into audit_log_leaf (idx, kind, ref, data, hash) values (size, r.kind, r.ref, leaf, sha256('\\x00'::bytea || leaf))
            on conflict (kind, ref) do nothing;
          continue when not found;
          -- Each tile this leaf completes, upward: its root is a hash of the tile level above.
          lvl := 0;
          at := size;
          while at % 256 = 255 loop
            if lvl = 0 then
              select array_agg(l.hash order by l.idx) into block from audit_log_leaf l where l.idx between at - 255 and at;
            else
              select array_agg(h.hash order by h.idx) into block from audit_log_hash h where h.level = lvl and h.idx between at - 255 and at;
            end if;
            at := at / 256;
            lvl := lvl + 8;
            insert into audit_log_hash (level, idx, hash) values (lvl, at, sinergi_merkle_root(block));
          end loop;
          size := size + 1;
        end loop;
        return size;
      end $$;`);

    // A checkpoint the server signed, for a size the tree has reached; the note's first lines must state it.
    this.addSql(`create function sinergi_audit_log_checkpoint(p_size bigint, p_key_name text, p_root bytea, p_note text) returns void
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      begin
        if p_size < 0 or p_size > (select coalesce(max(l.idx) + 1, 0) from audit_log_leaf l) then
          raise exception 'no tree of % leaves to sign', p_size using errcode = '22023';
        end if;
        if split_part(p_note, E'\\n', 2) <> p_size::text or split_part(p_note, E'\\n', 3) <> encode(p_root, 'base64') then
          raise exception 'the note does not state the size and root given' using errcode = '22023';
        end if;
        insert into audit_log_checkpoint (size, key_name, root, note) values (p_size, p_key_name, p_root, p_note) on conflict do nothing;
      end $$;`);

    for (const fn of ['sinergi_audit_log_integrate(int)', 'sinergi_audit_log_checkpoint(bigint, text, bytea, text)']) {
      this.addSql(`revoke all on function ${fn} from public;`);
      this.addSql(`grant execute on function ${fn} to sinergi_app;`);
    }
    this.addSql(`revoke all on function sinergi_audit_log_enqueue() from public;`);

    for (const table of ['audit_log_pending', 'audit_log_leaf', 'audit_log_hash', 'audit_log_checkpoint']) {
      this.addSql(`create trigger ${table}_no_truncate before truncate on ${table} for each statement execute function audit_event_append_only();`);
      this.addSql(`revoke all on ${table} from sinergi_app;`);
      this.addSql(`alter table ${table} enable row level security;`);
      this.addSql(`alter table ${table} force row level security;`);
      this.addSql(`create policy owner_all on ${table} to current_user using (true) with check (true);`);
    }
    for (const table of ['audit_log_leaf', 'audit_log_hash', 'audit_log_checkpoint']) {
      this.addSql(`create trigger ${table}_no_change before update or delete on ${table} for each row execute function audit_event_append_only();`);
      // The tree is public: its leaves name positions, kinds, ids and digests, never a personal value.
      this.addSql(`grant select on ${table} to sinergi_app;`);
      this.addSql(`create policy app_select on ${table} for select to sinergi_app using (true);`);
    }

    // What was written before: events in their order, then reads in theirs.
    this.addSql(`insert into audit_log_pending (kind, ref) select 'event', seq::text from audit_event order by seq;`);
    this.addSql(`insert into audit_log_pending (kind, ref) select 'read', id::text from personal_data_read order by read_at, id;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists audit_log_enqueue on audit_event;`);
    this.addSql(`drop trigger if exists audit_log_enqueue on personal_data_read;`);
    this.addSql(`drop function if exists sinergi_audit_log_checkpoint(bigint, text, bytea, text);`);
    this.addSql(`drop function if exists sinergi_audit_log_integrate(int);`);
    this.addSql(`drop function if exists sinergi_merkle_root(bytea[]);`);
    this.addSql(`drop function if exists sinergi_audit_log_enqueue();`);
    this.addSql(`drop table if exists audit_log_checkpoint, audit_log_hash, audit_log_leaf, audit_log_pending;`);
  }
}
