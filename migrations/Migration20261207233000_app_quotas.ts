import { Migration } from '@mikro-orm/migrations';

/**
 * Quotas per client app (issue 32, item 3): how many requests, and how many cost units, an app may spend per
 * window, as its ministry's ADMIN set them within the operator's bounds (null: the operator's default). The
 * counting itself is the server's (in Redis when there is one); the database keeps the figures.
 */
export class Migration20261207233000_app_quotas extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table api_client add column quota_requests int null, add column quota_cost int null;`);
    this.addSql(`create function sinergi_api_client_set_quota(p_client uuid, p_requests int, p_cost int) returns boolean
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      begin
        if sinergi_role() is distinct from 'ADMIN' or p_requests < 1 or p_cost < 1 then return false; end if;
        update api_client set quota_requests = p_requests, quota_cost = p_cost, updated_at = now(), version = version + 1
          where id = p_client and ministry_id = sinergi_own() and revoked_at is null;
        return found;
      end $$;`);
    // An app's figures for the server's counters: null for an account that is no live app.
    this.addSql(`create function sinergi_api_client_quota(p_account uuid, out app boolean, out requests int, out cost int)
      language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
      select true, quota_requests, quota_cost from api_client where id = p_account and revoked_at is null $$;`);
    for (const fn of ['sinergi_api_client_set_quota(uuid, int, int)', 'sinergi_api_client_quota(uuid)']) {
      this.addSql(`revoke all on function ${fn} from public;`);
      this.addSql(`grant execute on function ${fn} to sinergi_app;`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_api_client_quota(uuid);`);
    this.addSql(`drop function if exists sinergi_api_client_set_quota(uuid, int, int);`);
    this.addSql(`alter table api_client drop column quota_requests, drop column quota_cost;`);
  }
}
