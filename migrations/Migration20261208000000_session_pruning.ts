import { Migration } from '@mikro-orm/migrations';

/**
 * Sessions that have expired are deleted when their account opens a new one. A client app asks for a token
 * whenever its last one runs out (issue 32), and each token is a session: without this, an app's sessions
 * would pile up for as long as it runs. An expired session refuses its token whether its row is there or not.
 */
export class Migration20261208000000_session_pruning extends Migration {
  override async up(): Promise<void> {
    this.addSql(this.openSession(true));
  }

  override async down(): Promise<void> {
    this.addSql(this.openSession(false));
  }

  private openSession(prune: boolean): string {
    return `create or replace function sinergi_open_session(p_account uuid, p_ttl_seconds int) returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare sid uuid := gen_random_uuid(); secret text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
      begin
        ${prune ? 'delete from account_session where account_id = p_account and expires_at <= now();' : ''}
        insert into account_session (id, account_id, secret_hash, expires_at)
          values (sid, p_account, encode(sha256(convert_to(secret, 'UTF8')), 'hex'), now() + make_interval(secs => least(greatest(p_ttl_seconds, 60), 7 * 86400)));
        return jsonb_build_object('sessionId', sid, 'secret', secret);
      end $$;`;
  }
}
