import { Migration } from '@mikro-orm/migrations';

/**
 * Refresh tokens rotate (issue 29; OAuth 2.0 Security BCP, RFC 9700 §4.14).
 * A session keeps its refresh generation; a refresh token names the
 * generation it was issued for, and `sinergi_rotate_refresh` moves the
 * generation on when that one is used. A token of an earlier generation is a
 * replay: the function answers null, and the server ends the session. As with
 * `sinergi_logout`, only the holder of the session's secret can do either.
 */
export class Migration20261207000200_refresh_rotation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table account_session add column refresh_generation int not null default 0;`);
    this.addSql(`create function sinergi_rotate_refresh(p_session uuid, p_secret text, p_generation int) returns int
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare g int;
      begin
        update account_session set refresh_generation = refresh_generation + 1
         where id = p_session and revoked_at is null and expires_at > now() and refresh_generation = p_generation
           and secret_hash = encode(sha256(convert_to(coalesce(p_secret, ''), 'UTF8')), 'hex')
        returning refresh_generation into g;
        return g;
      end $$;`);
    this.addSql(`revoke all on function sinergi_rotate_refresh(uuid, text, int) from public;`);
    this.addSql(`grant execute on function sinergi_rotate_refresh(uuid, text, int) to sinergi_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_rotate_refresh(uuid, text, int);`);
    this.addSql(`alter table account_session drop column refresh_generation;`);
  }
}
