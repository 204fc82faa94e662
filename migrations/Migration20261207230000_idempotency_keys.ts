import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotent retries (issue 32, item 4; Stripe's idempotency keys, the IETF `Idempotency-Key` draft): a
 * request with mutations may carry a key, and its answer is stored with the key in the mutation's own
 * transaction, so a retry after the commit — whose client saw a dropped connection, or a server that died
 * before answering — gets the committed answer instead of writing twice.
 *
 * - `idempotency_key`: per account and key, the request's hash and the committed answer; 24 hours.
 * - `sinergi_idempotency_begin(key, hash)`: takes the key's transaction-scoped advisory lock (without
 *   waiting: a second request with the key while the first runs is told so), then answers `new`,
 *   `replay` with the stored answer, `mismatch` (the key was used for another request) or `running`.
 * - `sinergi_idempotency_end(key, hash, answer)`: stores the answer, in the transaction that commits the
 *   mutation — rolled back with it, so a mutation that failed is simply retried.
 * Both act for the sealed scope's account only; the app role has no other access to the table.
 */
export class Migration20261207230000_idempotency_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table idempotency_key (
      account_id uuid not null,
      key text not null,
      request_hash text not null,
      answer jsonb not null,
      created_at timestamptz not null default now(),
      constraint idempotency_key_pkey primary key (account_id, key));`);
    this.addSql(`revoke all on idempotency_key from sinergi_app;`);
    this.addSql(`alter table idempotency_key enable row level security;`);
    this.addSql(`alter table idempotency_key force row level security;`);
    this.addSql(`create policy owner_all on idempotency_key to current_user using (true) with check (true);`);

    this.addSql(`create function sinergi_idempotency_begin(p_key text, p_hash text) returns jsonb
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare acc uuid := sinergi_account(); k record;
      begin
        if acc is null then return jsonb_build_object('state', 'new'); end if;
        if not pg_try_advisory_xact_lock(hashtextextended(acc::text || ' ' || p_key, 7319)) then
          return jsonb_build_object('state', 'running');
        end if;
        select request_hash, answer into k from idempotency_key
          where account_id = acc and key = p_key and created_at > now() - interval '24 hours';
        if not found then return jsonb_build_object('state', 'new'); end if;
        if k.request_hash <> p_hash then return jsonb_build_object('state', 'mismatch'); end if;
        return jsonb_build_object('state', 'replay', 'answer', k.answer);
      end $$;`);
    this.addSql(`create function sinergi_idempotency_end(p_key text, p_hash text, p_answer jsonb) returns void
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare acc uuid := sinergi_account();
      begin
        if acc is null then return; end if;
        -- The caller's expired keys go as it stores a new one: the table holds a day of each account's keys.
        delete from idempotency_key where account_id = acc and created_at <= now() - interval '24 hours';
        insert into idempotency_key (account_id, key, request_hash, answer) values (acc, p_key, p_hash, p_answer)
          on conflict (account_id, key) do nothing;
      end $$;`);
    for (const fn of ['sinergi_idempotency_begin(text, text)', 'sinergi_idempotency_end(text, text, jsonb)']) {
      this.addSql(`revoke all on function ${fn} from public;`);
      this.addSql(`grant execute on function ${fn} to sinergi_app;`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_idempotency_end(text, text, jsonb);`);
    this.addSql(`drop function if exists sinergi_idempotency_begin(text, text);`);
    this.addSql(`drop table if exists idempotency_key;`);
  }
}
