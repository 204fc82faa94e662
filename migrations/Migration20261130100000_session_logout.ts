import { Migration } from '@mikro-orm/migrations';

/**
 * `logout`: a session ends when its holder says so. Only the holder can: the
 * function takes the session's secret, which only the token carries, and
 * compares its hash, as `sinergi_begin_request` does. The app role still
 * cannot touch `account_session` itself.
 */
export class Migration20261130100000_session_logout extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function sinergi_logout(p_session uuid, p_secret text) returns boolean
      language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      begin
        update account_session set revoked_at = now()
         where id = p_session and revoked_at is null
           and secret_hash = encode(sha256(convert_to(coalesce(p_secret, ''), 'UTF8')), 'hex');
        return found;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_logout(uuid, text);`);
  }
}
