import { Migration } from '@mikro-orm/migrations';

/**
 * Events join the audit log's tree by their sequence number, without a queue (issue 31, the log's cost).
 *
 * A mutation paid for one more insert (its event queued in `audit_log_pending` by a statement trigger), about
 * 5 % of its throughput. It need not: events are appended under a lock held until their transaction ends
 * (`sinergi_audit_append`), so their sequence numbers are their commit order and the committed ones are
 * always 1 … n, with no gap a later commit could fill. The integrator now takes the events after the last
 * it took (`audit_log_state`) straight from `audit_event`, in that order; reads are still queued by their
 * statement's trigger (one per request, whatever its number of rows) and follow the batch's events.
 */
export class Migration20261207200000_audit_log_events_by_seq extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop trigger audit_log_enqueue on audit_event;`);
    this.addSql(`create table audit_log_state (id boolean primary key default true check (id), last_event_seq bigint not null);`);
    this.addSql(`insert into audit_log_state (last_event_seq)
      select coalesce(max(l.ref::bigint), 0) from audit_log_leaf l where l.kind = 'event';`);
    // Events still queued are taken by their sequence number now.
    this.addSql(`delete from audit_log_pending where kind = 'event';`);
    this.addSql(`create trigger audit_log_state_no_truncate before truncate on audit_log_state for each statement execute function audit_event_append_only();`);
    this.addSql(`revoke all on audit_log_state from sinergi_app;`);
    this.addSql(`alter table audit_log_state enable row level security;`);
    this.addSql(`alter table audit_log_state force row level security;`);
    this.addSql(`create policy owner_all on audit_log_state to current_user using (true) with check (true);`);

    this.addSql(`create or replace function sinergi_audit_log_enqueue() returns trigger
      language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
      begin
        insert into audit_log_pending (kind, ref) select 'read', a.id::text from added a order by a.id;
        return null;
      end $$;`);

    // Set-based: one insert of the batch's leaves, then the tiles they complete, level by level.
    this.addSql(`create or replace function sinergi_audit_log_integrate(p_max int) returns bigint
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare
        size bigint;
        last_seq bigint;
        upto bigint;
        added bigint;
        lo bigint;
        hi bigint;
        lvl int := 0;
        block bytea[];
        tile bigint;
      begin
        -- One integrator at a time, whichever process calls: the tree has one order.
        perform pg_advisory_xact_lock(73462012);
        select coalesce(max(l.idx) + 1, 0) into size from audit_log_leaf l;
        select s.last_event_seq into last_seq from audit_log_state s for update;
        -- The committed events after the last taken: always 1 … n, in commit order (see the header).
        select coalesce(max(x.seq), last_seq) into upto from (select e.seq from audit_event e where e.seq > last_seq order by e.seq limit greatest(p_max, 1)) x;
        with taken as (
            delete from audit_log_pending p where p.id in (select q.id from audit_log_pending q order by q.id limit greatest(p_max, 1))
            returning p.id, p.ref),
          batch as (
            select 'event'::text as kind, e.seq::text as ref, e.seq as ord, coalesce(e.content_digest, e.hash) as digest
              from audit_event e where e.seq > last_seq and e.seq <= upto
            union all
            select 'read'::text, q.ref, q.id,
              (select encode(sha256(convert_to(concat_ws(E'\\n', 'sinergi-read/v1', d.id::text,
                  to_char(d.read_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), d.reader_account_id::text,
                  d.reader_ministry_id::text, d.owner_ministry_id::text, d.resource_type::text, d.record_id::text,
                  array_to_string(d.fields, ','), d.clause_id::text, d.mou_id::text) || E'\\n', 'UTF8')), 'hex')
                from personal_data_read d where d.id = q.ref::uuid)
            from taken q),
          -- A read no longer there (a seed's reset of the programme tables) leaves nothing to log; nothing is logged twice.
          fresh as (
            select b.kind, b.ref, b.ord,
              convert_to('sinergi-audit-log-leaf/v1' || E'\\n' || b.kind || E'\\n' || b.ref || E'\\n' || b.digest || E'\\n', 'UTF8') as data
            from batch b
            where b.digest is not null and not exists (select 1 from audit_log_leaf l where l.kind = b.kind and l.ref = b.ref)),
          written as (
            insert into audit_log_leaf (idx, kind, ref, data, hash)
            select size - 1 + row_number() over (order by f.kind, f.ord), f.kind, f.ref, f.data, sha256('\\x00'::bytea || f.data) from fresh f
            returning 1)
        select count(*) into added from written;
        update audit_log_state set last_event_seq = upto;
        -- The tiles the new leaves complete: at each level, the hashes [lo, hi) are new; each complete tile of
        -- 256 among them gives a hash of the level above.
        lo := size;
        hi := size + added;
        while hi / 256 > lo / 256 loop
          for tile in (lo / 256) .. (hi / 256) - 1 loop
            if lvl = 0 then
              select array_agg(l.hash order by l.idx) into block from audit_log_leaf l where l.idx between tile * 256 and tile * 256 + 255;
            else
              select array_agg(h.hash order by h.idx) into block from audit_log_hash h where h.level = lvl and h.idx between tile * 256 and tile * 256 + 255;
            end if;
            insert into audit_log_hash (level, idx, hash) values (lvl + 8, tile, sinergi_merkle_root(block));
          end loop;
          lo := lo / 256;
          hi := hi / 256;
          lvl := lvl + 8;
        end loop;
        return size + added;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists audit_log_state;`);
    this.addSql(`create trigger audit_log_enqueue after insert on audit_event referencing new table as added
      for each statement execute function sinergi_audit_log_enqueue();`);
  }
}
