import { Migration } from '@mikro-orm/migrations';

/**
 * The change feed behind the `changes` subscription (issue 33), read from the audit log.
 *
 * Events are appended under a lock held until their transaction ends, so their sequence numbers are their
 * commit order with no gap a later commit could fill (see the audit_log_events_by_seq migration): reading
 * `seq > n` in order never skips a committed change and never shows one that did not commit.
 *
 * - A statement trigger notifies `sinergi_changes` with the highest sequence number it inserted. PostgreSQL
 *   delivers a notification at COMMIT, and never for a transaction that rolls back: the servers wake when
 *   there is something to read.
 * - **`sinergi_changes(after, upto)`** answers the rows the events `after < seq <= upto` changed (the
 *   numbers are dense, so a reader bounds its batch by choosing `upto`) — each
 *   created, updated or deleted row of an owned resource, and each MoU an event is about — but only those
 *   the caller's sealed scope may read now: a row of a ministry its clauses in force cover, or an MoU it
 *   is a party to (auditors: every MoU). It is the change log through the same rules as the tables'
 *   policies; with no request scope it answers nothing.
 * - **`sinergi_changes_head()`**: the last sequence number, where a stream starts.
 */
export class Migration20261208010000_change_feed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function sinergi_changes_notify() returns trigger
      language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
      begin
        perform pg_notify('sinergi_changes', (select max(a.seq) from added a)::text);
        return null;
      end $$;`);
    this.addSql(`create trigger audit_event_changes_notify after insert on audit_event
      referencing new table as added for each statement execute function sinergi_changes_notify();`);

    this.addSql(`create function sinergi_changes_head() returns bigint
      language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
      select coalesce(max(seq), 0) from audit_event $$;`);

    this.addSql(`create function sinergi_changes(p_after bigint, p_upto bigint)
      returns table (seq bigint, ord int, occurred_at timestamptz, entity text, id text, op text)
      language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
      with events as (
        select e.seq, e.occurred_at, e.operation, e.entity_type, e.entity_id, e.actor_ministry_id, e.changes
          from audit_event e
         where e.seq > p_after and e.seq <= p_upto and sinergi_role() is not null
         order by e.seq),
      changed as (
        -- Each row of an owned resource an event created, updated or deleted. Writes stay in the writer's
        -- ministry (the tables' write policies), so a row's owner is the writer's unless the change names it.
        select e.seq, x.ord::int as ord, e.occurred_at, x.c ->> 'entity' as entity, x.c ->> 'id' as id, x.c ->> 'op' as op,
               coalesce(x.c -> 'fields' -> 'ownerMinistry' ->> 'after', x.c -> 'fields' -> 'ownerMinistry' ->> 'before', e.actor_ministry_id::text) as owner
          from events e, jsonb_array_elements(e.changes) with ordinality as x (c, ord)
         where jsonb_typeof(x.c) = 'object' and x.c ->> 'op' in ('create', 'update', 'delete') and x.c ? 'id' and x.c ->> 'entity' <> 'Mou'),
      visible as (
        -- The table of an entity is its name in snake case; a table the scope does not list reads nothing.
        select c.seq, c.ord, c.occurred_at, c.entity, c.id, c.op from changed c
         where c.owner::uuid = any(sinergi_read_ids(lower(regexp_replace(c.entity, '([a-z0-9])([A-Z])', '\\1_\\2', 'g'))))
        union all
        -- An MoU, once per event about it, to its parties (and auditors) as it stands now.
        select e.seq, 0, e.occurred_at, 'Mou', e.entity_id, case e.operation when 'createMou' then 'create' else 'update' end
          from events e
         where e.entity_type = 'Mou' and e.entity_id is not null
           and exists (select 1 from mou m where m.id::text = e.entity_id
                         and (m.owner_ministry_id = any(sinergi_read_ids('mou')) or m.party_ministry_ids && array[sinergi_own()::text])))
      select v.seq, v.ord, v.occurred_at, v.entity, v.id, v.op from visible v order by v.seq, v.ord $$;`);
    for (const fn of ['sinergi_changes(bigint, bigint)', 'sinergi_changes_head()']) {
      this.addSql(`revoke all on function ${fn} from public;`);
      this.addSql(`grant execute on function ${fn} to sinergi_app;`);
    }
    this.addSql(`revoke all on function sinergi_changes_notify() from public;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists audit_event_changes_notify on audit_event;`);
    this.addSql(`drop function if exists sinergi_changes_notify();`);
    this.addSql(`drop function if exists sinergi_changes(bigint, bigint);`);
    this.addSql(`drop function if exists sinergi_changes_head();`);
  }
}
