import { Migration } from '@mikro-orm/migrations';

/** The owned tables whose rows are counted per owner (every owned resource but the MoU; test/row-counts.test.ts checks the list). */
const COUNTED = ['institution', 'program', 'trainee', 'enrollment', 'returnee_business', 'placement'];

/**
 * Rows per owner ministry of each owned table, kept by triggers, so that the
 * `totalCount` of an unfiltered list — the sum over the ministries the
 * caller reads — costs a few index lookups instead of a scan of every row in
 * scope, which grew with the table (issue 11: cost follows the page).
 *
 * Statement-level triggers with transition tables: a COPY or a bulk insert
 * of 50,000 rows adds one aggregate, not 50,000 updates. The counts change in
 * the transaction that changes the rows, so they commit or roll back with
 * them. Only the triggers (security definer) write the table, and the app
 * role cannot read it: `sinergi_row_count` answers the sum for the
 * ministries asked about that the request may read, by the same rule as the
 * rows' own policies.
 */
export class Migration20261128230000_row_counts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table owned_row_count (
      table_name text not null, ministry_id uuid not null, n bigint not null,
      primary key (table_name, ministry_id));`);
    this.addSql(`revoke all on owned_row_count from sinergi_app;`);
    this.addSql(`create function sinergi_row_count(p_table text, p_ministries uuid[]) returns bigint
      language sql stable security definer set search_path = pg_catalog, public as $$
      select coalesce(sum(n), 0)::bigint from owned_row_count
       where table_name = p_table and ministry_id = any (p_ministries) and ministry_id = any (sinergi_read_ids(p_table)) $$;`);
    this.addSql(`create function sinergi_count_inserted() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $$
      begin
        insert into owned_row_count as c (table_name, ministry_id, n)
          select tg_table_name, owner_ministry_id, count(*) from new_rows group by owner_ministry_id
          on conflict (table_name, ministry_id) do update set n = c.n + excluded.n;
        return null;
      end $$;`);
    this.addSql(`create function sinergi_count_deleted() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $$
      begin
        update owned_row_count c set n = c.n - d.k
          from (select owner_ministry_id, count(*) as k from old_rows group by owner_ministry_id) d
         where c.table_name = tg_table_name and c.ministry_id = d.owner_ministry_id;
        return null;
      end $$;`);
    // A row that changes owner (the app cannot: its policies keep the owner; the owner role can) moves its count.
    this.addSql(`create function sinergi_count_moved() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $$
      begin
        update owned_row_count set n = n - 1 where table_name = tg_table_name and ministry_id = old.owner_ministry_id;
        insert into owned_row_count as c (table_name, ministry_id, n) values (tg_table_name, new.owner_ministry_id, 1)
          on conflict (table_name, ministry_id) do update set n = c.n + 1;
        return null;
      end $$;`);
    this.addSql(`create function sinergi_count_truncated() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $$
      begin
        delete from owned_row_count where table_name = tg_table_name;
        return null;
      end $$;`);
    // From scratch: after the migration, and after a bulk load that skipped the triggers (seed/bulk-insert.ts).
    this.addSql(`create function sinergi_recount_rows(p_table text) returns void language plpgsql security definer set search_path = pg_catalog, public as $$
      begin
        delete from owned_row_count where table_name = p_table;
        execute format('insert into owned_row_count (table_name, ministry_id, n) select %L, owner_ministry_id, count(*) from %I group by owner_ministry_id', p_table, p_table);
      end $$;`);
    this.addSql(`revoke execute on function sinergi_recount_rows(text) from public;`);
    for (const table of COUNTED) {
      this.addSql(`create trigger count_inserted after insert on "${table}" referencing new table as new_rows for each statement execute function sinergi_count_inserted();`);
      this.addSql(`create trigger count_deleted after delete on "${table}" referencing old table as old_rows for each statement execute function sinergi_count_deleted();`);
      this.addSql(`create trigger count_moved after update of owner_ministry_id on "${table}" for each row
        when (old.owner_ministry_id is distinct from new.owner_ministry_id) execute function sinergi_count_moved();`);
      this.addSql(`create trigger count_truncated after truncate on "${table}" for each statement execute function sinergi_count_truncated();`);
      this.addSql(`select sinergi_recount_rows('${table}');`);
    }
  }

  override async down(): Promise<void> {
    for (const table of COUNTED) for (const t of ['inserted', 'deleted', 'moved', 'truncated']) this.addSql(`drop trigger if exists count_${t} on "${table}";`);
    for (const t of ['inserted', 'deleted', 'moved', 'truncated']) this.addSql(`drop function if exists sinergi_count_${t}();`);
    this.addSql(`drop function if exists sinergi_recount_rows(text);`);
    this.addSql(`drop function if exists sinergi_row_count(text, uuid[]);`);
    this.addSql(`drop table if exists owned_row_count;`);
  }
}
