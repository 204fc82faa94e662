import { Migration } from '@mikro-orm/migrations';

/**
 * What a live session may read, as a key (issue 33): its account's role, ministry and whether it awaits
 * approval — everything `sinergi_begin_request` derives a read scope from besides the clauses in force,
 * which are the same for every session at one moment. Subscribers whose sessions share a key read the same
 * changes, so one transaction reads each batch for all of them (server/change-stream.ts). Null for a session
 * that is not live. Answers only for the holder of the session's secret, as `sinergi_session_live` does.
 */
export class Migration20261208020000_session_scope extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function sinergi_session_scope(p_session uuid, p_secret text) returns text
      language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
        select a.role::text || '|' || coalesce(a.ministry_id::text, '') || '|' || case when a.pending then 'pending' else '' end
          from account_session s join account a on a.id = s.account_id
         where s.id = p_session and s.revoked_at is null and s.expires_at > now() and a.active
           and s.secret_hash = encode(sha256(convert_to(coalesce(p_secret, ''), 'UTF8')), 'hex') $$;`);
    this.addSql(`revoke all on function sinergi_session_scope(uuid, text) from public;`);
    this.addSql(`grant execute on function sinergi_session_scope(uuid, text) to sinergi_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_session_scope(uuid, text);`);
  }
}
