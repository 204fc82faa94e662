/**
 * The database side of the resource declarations, as SQL: row-level security
 * policies of every owned table, the resource list of `sinergi_begin_request`
 * (which derives each request's read scope), and `sinergi_statistics`.
 *
 * `npm run db:resources` writes this SQL into a new migration, as literal
 * text: an applied migration must never change when the declarations do.
 * `test/resources.test.ts` fails while the migrated database differs from
 * what the declarations generate now (policies and function bodies alike),
 * which is the signal to run it.
 */
import type { OwnedTable, Resource } from './resource';

type Owned = Resource & { owned: OwnedTable };
const isOwned = (r: Resource): r is Owned => r.owned !== undefined;

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The read scope's resources: what `sinergi_begin_request` loops over. */
function resourceList(resources: readonly Resource[]): string {
  return JSON.stringify(
    resources.filter(isOwned).map((r) => ({ name: r.name, table: r.owned.table, clause: r.owned.clause ?? null, readsAll: r.owned.readsAll ?? [] })),
  );
}

function policies(r: Owned): string[] {
  const { table, partyColumn } = r.owned;
  const party = partyColumn ? ` or ${partyColumn} && array[(select sinergi_own())::text]` : '';
  // One shape for every caller, so the planner serves it from the (owner_ministry_id, id) index: a role that
  // reads every row gets every ministry in its list rather than an OR that no index can answer.
  const readable = `owner_ministry_id = any ((select sinergi_read_ids(${lit(table)}))::uuid[])${party}`;
  // Parties sign and end a record they did not draft (an MoU); content edits stay the owner's.
  const writable = `owner_ministry_id = (select sinergi_own())${party}`;
  return [
    `alter table "${table}" enable row level security`,
    `alter table "${table}" force row level security`,
    ...['owner_all', 'app_select', 'app_insert', 'app_update', 'app_delete'].map((p) => `drop policy if exists ${p} on "${table}"`),
    `create policy owner_all on "${table}" to current_user using (true) with check (true)`,
    `create policy app_select on "${table}" for select to sinergi_app using (${readable})`,
    `create policy app_insert on "${table}" for insert to sinergi_app with check (owner_ministry_id = (select sinergi_own()))`,
    `create policy app_update on "${table}" for update to sinergi_app using (${writable}) with check (${writable})`,
    `create policy app_delete on "${table}" for delete to sinergi_app using (owner_ministry_id = (select sinergi_own()))`,
  ];
}

/** Who is asking comes from the session alone; what they may read, from the clauses in force today (Jakarta) by the database's clock. */
function beginRequest(resources: readonly Resource[]): string {
  return `create or replace function sinergi_begin_request(p_session uuid, p_secret text) returns jsonb
  language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
  declare
    -- Generated from the resource declarations (src/modules/*/*.resource.ts) by npm run db:resources.
    resources jsonb := ${lit(resourceList(resources))};
    a record;
    today date := ((now() at time zone 'UTC') + interval '7 hours')::date;
    staff boolean;
    grants jsonb := '[]';
    reads jsonb := '{}';
    reads_by_name jsonb := '{}';
    all_tables jsonb := '[]';
    all_names jsonb := '[]';
    r jsonb;
    ids jsonb;
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
               'resourceTypes', to_jsonb(c.resource_types::text[]), 'includesPersonalData', c.includes_personal_data,
               'resources', (select coalesce(jsonb_agg(x ->> 'name'), '[]') from jsonb_array_elements(resources) x
                              where x ->> 'clause' is not null and to_jsonb(c.resource_types::text[]) @> to_jsonb(x ->> 'clause'))) order by c.id), '[]')
        into grants
        from data_sharing_clause c join mou m on m.id = c.mou_id
       where c.recipient_ministry_id = a.ministry_id and c.retired_at is null
         and m.recorded_status = 'ACTIVE' and m.valid_from <= today and today < m.valid_until;
    end if;
    for r in select x from jsonb_array_elements(resources) x loop
      if a.id is not null and not a.pending and (r -> 'readsAll') @> to_jsonb(a.role) then
        all_tables := all_tables || jsonb_build_array(r ->> 'table');
        all_names := all_names || jsonb_build_array(r ->> 'name');
        -- Every ministry, listed: the policies then have one indexable shape for everyone.
        select coalesce(jsonb_agg(m.id::text order by m.id), '[]') into ids from ministry m;
      else
        ids := case when not staff then '[]'::jsonb else (
          select jsonb_agg(distinct y.x) from (
            select a.ministry_id::text as x
            union all
            select g ->> 'providerMinistryId' from jsonb_array_elements(grants) g
             where (g -> 'resources') @> to_jsonb(r ->> 'name')) y) end;
      end if;
      reads := reads || jsonb_build_object(r ->> 'table', ids);
      reads_by_name := reads_by_name || jsonb_build_object(r ->> 'name', ids);
    end loop;
    payload := jsonb_build_object('v', 1, 'pid', pg_backend_pid(), 'at', now(),
      'account', a.id, 'ministry', case when staff then a.ministry_id end,
      'role', case when a.id is not null and not a.pending then a.role end,
      'all', all_tables, 'read', reads)::text;
    perform set_config('sinergi.scope', payload, true);
    perform set_config('sinergi.scope_mac', sinergi_seal(payload), true);
    -- The read scope is derived here, once, per resource: the app builds its own Scope from these lists.
    return jsonb_build_object('accountOk', a.id is not null, 'accountId', a.id, 'ministryId', a.ministry_id, 'role', a.role,
      'pending', coalesce(a.pending, false), 'grants', grants, 'read', reads_by_name, 'readsAll', all_names);
  end $$`;
}

/**
 * Statistics over the caller's scope: every ministry for auditors
 * ("aggregate statistics", access-model.md), the read scope for ministry
 * staff. It runs with the owner's rights so an auditor, who may read no
 * programme row, still gets the aggregates; the scope comes from the sealed
 * settings of `sinergi_begin_request`, never from arguments.
 */
function statistics(resources: readonly Resource[]): string {
  const owned = resources.filter(isOwned).flatMap((r) => (r.statistics ? [{ ...r, statistics: r.statistics }] : []));
  // Each table's scope is read once into a variable: inside a WHERE, the function would run per row.
  const scopeVar = (table: string) => `scope_${table}`;
  const inScope = (table: string) => `(everything or t.owner_ministry_id = any (${scopeVar(table)}))`;
  const totals = owned
    .filter((r) => Object.keys(r.statistics.totals ?? {}).length)
    .map((r) => {
      const fields = Object.entries(r.statistics.totals ?? {})
        .map(([name, t]) => `${lit(name)}, ${t.sql}`)
        .join(', ');
      return `(select jsonb_build_object(${fields}) from "${r.owned.table}" t where ${inScope(r.owned.table)})`;
    });
  const blocks = owned.flatMap((r) =>
    Object.entries(r.statistics.breakdowns ?? {}).map(
      ([name, b]) => `
    if ${lit(name)} = any (p_kinds) then
      out := out || jsonb_build_object(${lit(name)}, (select coalesce(jsonb_agg(jsonb_build_object('key', k, 'count', n, 'capacity', c) order by n desc, k), '[]'::jsonb)
        from (select ${b.key} as k, count(*) as n, ${b.capacity ?? 'null::numeric'} as c from "${r.owned.table}" t ${b.join ?? ''}
               where ${inScope(r.owned.table)} and ${b.key} is not null group by 1) x));
    end if;`,
    ),
  );
  return `create or replace function sinergi_statistics(p_kinds text[]) returns jsonb
  language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
  declare
    -- Generated from the resource declarations (src/modules/*/*.resource.ts) by npm run db:resources.
    everything boolean := sinergi_is_auditor();
${owned.map((r) => `    ${scopeVar(r.owned.table)} uuid[] := sinergi_read_ids(${lit(r.owned.table)});\n`).join('')}    out jsonb := '{}'::jsonb;
  begin
    if 'totals' = any (p_kinds) then
      out := out || jsonb_build_object('totals', ${totals.length ? totals.join('\n        || ') : `'{}'::jsonb`});
    end if;${blocks.join('')}
    return out;
  end $$`;
}

/** The triggers that keep a counted table's rows per owner (migration `row_counts` made the functions). */
function countTriggers(table: string): string[] {
  const t = `"${table}"`;
  return [
    `create or replace trigger count_inserted after insert on ${t} referencing new table as new_rows for each statement execute function sinergi_count_inserted()`,
    `create or replace trigger count_deleted after delete on ${t} referencing old table as old_rows for each statement execute function sinergi_count_deleted()`,
    `create or replace trigger count_moved after update of owner_ministry_id on ${t} for each row when (old.owner_ministry_id is distinct from new.owner_ministry_id) execute function sinergi_count_moved()`,
    `create or replace trigger count_truncated after truncate on ${t} for each statement execute function sinergi_count_truncated()`,
  ];
}

/** Every statement the declarations call for, in order. Idempotent: it may run on a database that has it all. */
export function resourceStatements(resources: readonly Resource[]): string[] {
  const clauses = [...new Set(resources.flatMap((r) => (r.owned?.clause ? [r.owned.clause] : [])))];
  return [
    // A clause type a resource declares is one the clauses (and the read log) may name.
    ...clauses.map((c) => `alter type resource_type add value if not exists ${lit(c)}`),
    ...resources.filter(isOwned).flatMap(policies),
    ...resources.filter(isOwned).flatMap((r) => (r.owned.counted ? countTriggers(r.owned.table) : [])),
    beginRequest(resources),
    statistics(resources),
  ];
}
