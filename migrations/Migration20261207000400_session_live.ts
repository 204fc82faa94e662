import { Migration } from '@mikro-orm/migrations';

/**
 * Whether a token's session is still live, asked before its request body is
 * read (issue 29): a signed-in caller may send a larger body than an
 * anonymous one, and a token whose session has ended (logged out, expired,
 * account locked) must not keep that room because its signature still holds.
 * Answers only for the holder of the session's secret, as `sinergi_logout` does.
 */
export class Migration20261207000400_session_live extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function sinergi_session_live(p_session uuid, p_secret text) returns boolean
      language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
        select exists (select 1 from account_session s join account a on a.id = s.account_id
          where s.id = p_session and s.revoked_at is null and s.expires_at > now() and a.active
            and s.secret_hash = encode(sha256(convert_to(coalesce(p_secret, ''), 'UTF8')), 'hex')) $$;`);
    this.addSql(`revoke all on function sinergi_session_live(uuid, text) from public;`);
    this.addSql(`grant execute on function sinergi_session_live(uuid, text) to sinergi_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_session_live(uuid, text);`);
  }
}
