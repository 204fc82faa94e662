import { Migration } from '@mikro-orm/migrations';

/**
 * Breakdowns the statistics API offers: name -> [table, key expression, capacity expression, scope array].
 * Each is one GROUP BY over the caller's scope (see `sinergi_statistics`).
 */
export const BREAKDOWNS: Record<string, [string, string, string, string]> = {
  institutionsByMinistry: ['institution t', 't.owner_ministry_id::text', 'sum(t.annual_capacity)', 'inst'],
  institutionsByType: ['institution t', 't.type::text', 'sum(t.annual_capacity)', 'inst'],
  institutionsByProvince: ['institution t', 't.province_code', 'sum(t.annual_capacity)', 'inst'],
  institutionsBySector: ['institution t cross join lateral unnest(t.sectors) s(v)', 's.v::text', 'sum(t.annual_capacity)', 'inst'],
  institutionsByLinkAndMatch: ['institution t', 't.link_and_match::text', 'sum(t.annual_capacity)', 'inst'],
  institutionsByPmiPreparation: ['institution t', 't.pmi_preparation::text', 'sum(t.annual_capacity)', 'inst'],
  programsByStatus: ['program t', 't.status::text', 'sum(t.capacity_per_intake)', 'prog'],
  programsBySector: ['program t', 't.sector::text', 'sum(t.capacity_per_intake)', 'prog'],
  programsByDestination: ['program t cross join lateral unnest(t.target_country_codes) d(v)', 'd.v', 'sum(t.capacity_per_intake)', 'prog'],
  participantsByStatus: ['enrollment t', 't.status::text', 'null::bigint', 'enr'],
  participantsBySector: ['enrollment t join program p on p.id = t.program_id', 'p.sector::text', 'null::bigint', 'enr'],
  participantsByDestination: ['enrollment t join program p on p.id = t.program_id cross join lateral unnest(p.target_country_codes) d(v)', 'd.v', 'null::bigint', 'enr'],
  participantsInTrainingByMinistry: ["enrollment t", "case when t.status = 'ENROLLED' then t.owner_ministry_id::text end", 'null::bigint', 'enr'],
  traineesByOriginProvince: ['trainee t', 't.origin_province_code', 'null::bigint', 'tr'],
  traineesBySex: ['trainee t', 't.sex::text', 'null::bigint', 'tr'],
  traineesByStatus: ['trainee t', 't.status::text', 'null::bigint', 'tr'],
  returneeBusinessesByProvince: ['returnee_business t', 't.province_code', 'sum(t.financing_amount)', 'rb'],
  returneeBusinessesBySector: ['returnee_business t', 'left(t.kbli_code, 2)', 'sum(t.financing_amount)', 'rb'],
  returneeBusinessesByFinancing: ['returnee_business t', "coalesce(t.financing_type::text, 'NONE')", 'sum(t.financing_amount)', 'rb'],
};

/**
 * Statistics computed in the database over the caller's scope: every ministry
 * for auditors ("aggregate statistics", access-model.md), the caller's read
 * scope for ministry staff. The function runs with the owner's rights so an
 * auditor, who may read no programme row, still gets the aggregates; it reads
 * the scope from the settings `sinergi_begin_request` made for this request,
 * never from its arguments, so a caller cannot widen it.
 */
export class Migration20261128000400_statistics extends Migration {
  override async up(): Promise<void> {
    const blocks = Object.entries(BREAKDOWNS).map(([name, [from, key, cap, scope]]) => `
        if '${name}' = any (p_kinds) then
          out := out || jsonb_build_object('${name}', (select coalesce(jsonb_agg(jsonb_build_object('key', k, 'count', n, 'capacity', c) order by n desc, k), '[]'::jsonb)
            from (select ${key} as k, count(*) as n, ${cap} as c from ${from}
                   where (everything or t.owner_ministry_id = any (${scope})) and ${key} is not null group by 1) x));
        end if;`).join('');
    this.addSql(`create function sinergi_statistics(p_kinds text[]) returns jsonb
      language plpgsql stable security definer set search_path = public, pg_catalog as $$
      declare
        everything boolean := coalesce(current_setting('sinergi.auditor', true), '') = 'on';
        inst uuid[] := sinergi_read_ids('institution');
        prog uuid[] := sinergi_read_ids('program');
        enr uuid[] := sinergi_read_ids('enrollment');
        tr uuid[] := sinergi_read_ids('trainee');
        rb uuid[] := sinergi_read_ids('returnee_business');
        out jsonb := '{}'::jsonb;
      begin
        if 'totals' = any (p_kinds) then
          out := out || jsonb_build_object('totals', (
            select jsonb_build_object(
              'institutionCount', count(*), 'totalCapacity', coalesce(sum(annual_capacity), 0),
              'pmiPreparationInstitutionCount', count(*) filter (where pmi_preparation),
              'pmiPreparationCapacity', coalesce(sum(annual_capacity) filter (where pmi_preparation), 0),
              'linkAndMatchMinistryCount', count(distinct owner_ministry_id) filter (where link_and_match),
              'institutionMinistryCount', count(distinct owner_ministry_id))
            from institution t where everything or t.owner_ministry_id = any (inst))
            || (select jsonb_build_object('programCount', count(*)) from program t where everything or t.owner_ministry_id = any (prog))
            || (select jsonb_build_object('participantCount', count(*), 'participantsInTraining', count(*) filter (where status = 'ENROLLED')) from enrollment t where everything or t.owner_ministry_id = any (enr))
            || (select jsonb_build_object('traineeCount', count(*)) from trainee t where everything or t.owner_ministry_id = any (tr))
            || (select jsonb_build_object('returneeBusinessCount', count(*), 'returneeFinancingTotal', coalesce(sum(financing_amount), 0)) from returnee_business t where everything or t.owner_ministry_id = any (rb)));
        end if;${blocks}
        return out;
      end $$;`);
    this.addSql(`revoke all on function sinergi_statistics(text[]) from public;`);
    this.addSql(`grant execute on function sinergi_statistics(text[]) to sinergi_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_statistics(text[]);`);
  }
}
