import { Migration } from '@mikro-orm/migrations';
import { appendFunction } from './Migration20261128220000_audit_append_with_commit';

/**
 * The audit chain is linked by the database and sealed by the server
 * (issue 11; see audit.chain.ts).
 *
 * Until now the server hashed and signed each event against the chain head
 * it expected, so a process's commits had to take turns: each waited for the
 * one before it to come back from the database. Under load that queue was
 * most of a mutation's time. Now the server sends the event's content with
 * the digest of its canonical form and an HMAC of that digest (the content
 * signature: nobody without the audit key can write an event the verifier
 * accepts), and `sinergi_audit_link`, under the chain's lock and in the
 * mutation's own COMMIT message, numbers it, links it to the head
 *
 *   hash = sha256(prev_hash || ':' || seq || ':' || content_digest)
 *
 * and stores it. The server that wrote the event then checks that link and
 * seals it: `audit_seal` holds HMAC(key, hash) per event, which binds the
 * event to its predecessor as the old per-event signature did, so a deletion
 * or reordering that relinks the chain in SQL no longer matches its seals.
 *
 * Events written before this migration keep their old form (no digest) and
 * are verified as before. The old append function goes: nothing calls it.
 */
export class Migration20261129120000_audit_linked_by_database extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_event" add column "content_digest" varchar(64) null;`);
    this.addSql(`create table "audit_seal" ("seq" bigint not null, "hash" varchar(64) not null, "signature" varchar(64) not null,
      "sealed_at" timestamptz not null default now(), constraint "audit_seal_pkey" primary key ("seq"));`);
    // Append-only like the log itself; the app role reads seals and writes them only through sinergi_audit_seal.
    this.addSql(`create trigger audit_seal_no_change before update or delete on "audit_seal" for each row execute function audit_event_append_only();`);
    this.addSql(`create trigger audit_seal_no_truncate before truncate on "audit_seal" for each statement execute function audit_event_append_only();`);
    this.addSql(`revoke all on "audit_seal" from sinergi_app;`);
    this.addSql(`grant select on "audit_seal" to sinergi_app;`);
    this.addSql(`alter table "audit_seal" enable row level security;`);
    this.addSql(`alter table "audit_seal" force row level security;`);
    this.addSql(`create policy owner_all on "audit_seal" to current_user using (true) with check (true);`);
    // A seal names only a position and a hash, both of which every reader of the log's events sees anyway.
    this.addSql(`create policy app_select on "audit_seal" for select to sinergi_app using (true);`);

    this.addSql(`create function sinergi_audit_link(p_occurred_at timestamptz, p_request_id text, p_actor_account_id uuid,
        p_actor_ministry_id uuid, p_actor_role text, p_operation text, p_entity_type text, p_entity_id text,
        p_subject_ministry_id uuid, p_changes jsonb, p_digest text, p_signature text,
        out seq text, out prev_hash text, out hash text)
      language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare head record;
      begin
        if p_digest !~ '^[0-9a-f]{64}$' or p_signature !~ '^[0-9a-f]{64}$' then
          raise exception 'an audit event needs a digest and a signature of 64 hex digits' using errcode = '22023';
        end if;
        -- Held until the transaction ends: the head read here cannot move before this event commits.
        perform pg_advisory_xact_lock(73462011);
        select e.seq, e.hash into head from audit_event e order by e.seq desc limit 1;
        seq := (coalesce(head.seq, 0) + 1)::text;
        prev_hash := coalesce(head.hash, repeat('0', 64));
        hash := encode(sha256(convert_to(prev_hash || ':' || seq || ':' || p_digest, 'UTF8')), 'hex');
        insert into audit_event (seq, occurred_at, request_id, actor_account_id, actor_ministry_id, actor_role, operation,
            entity_type, entity_id, subject_ministry_id, changes, prev_hash, hash, signature, content_digest)
          values (seq::bigint, p_occurred_at, p_request_id, p_actor_account_id, p_actor_ministry_id, p_actor_role, p_operation,
            p_entity_type, p_entity_id, p_subject_ministry_id, p_changes, prev_hash, hash, p_signature, p_digest);
      end $$;`);
    // Only for an event that exists, with the hash it has: nobody can seal ahead, so a seal planted for an event
    // not written yet cannot stand in for the real one. A seal already there stays (a second one for the same
    // event is either the same or a forgery that must not replace the first); the verifier checks each seal's
    // signature against the key.
    this.addSql(`create function sinergi_audit_seal(p_seq bigint[], p_hash text[], p_signature text[]) returns void
      language sql volatile security definer set search_path = pg_catalog, public as $$
        insert into audit_seal (seq, hash, signature)
          select u.seq, u.hash, u.signature from unnest(p_seq, p_hash, p_signature) as u (seq, hash, signature)
            join audit_event e on e.seq = u.seq and e.hash = u.hash
          on conflict (seq) do nothing $$;`);
    this.addSql(`revoke all on function sinergi_audit_link(timestamptz, text, uuid, uuid, text, text, text, text, uuid, jsonb, text, text) from public;`);
    this.addSql(`revoke all on function sinergi_audit_seal(bigint[], text[], text[]) from public;`);
    this.addSql(`grant execute on function sinergi_audit_link(timestamptz, text, uuid, uuid, text, text, text, text, uuid, jsonb, text, text) to sinergi_app;`);
    this.addSql(`grant execute on function sinergi_audit_seal(bigint[], text[], text[]) to sinergi_app;`);
    this.addSql(`drop function if exists sinergi_audit_append(bigint, text, timestamptz, text, uuid, uuid, text, text, text, text, uuid, jsonb, text, text);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_audit_seal(bigint[], text[], text[]);`);
    this.addSql(`drop function if exists sinergi_audit_link(timestamptz, text, uuid, uuid, text, text, text, text, uuid, jsonb, text, text);`);
    this.addSql(`drop table if exists "audit_seal";`);
    this.addSql(`alter table "audit_event" drop column "content_digest";`);
    this.addSql(
      appendFunction(`raise exception 'the audit chain head moved' using errcode = 'SNA01',
            detail = coalesce(head.seq, 0)::text || ' ' || coalesce(head.hash, repeat('0', 64));`),
    );
  }
}
