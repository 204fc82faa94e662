import { Migration } from '@mikro-orm/migrations';

/**
 * `sinergi_audit_append` now travels with COMMIT, in the same message (see
 * audit.chain.ts), so the chain's lock is held only while the event is
 * written and the transaction commits, never across a round trip to the app.
 * A caller that signed against a stale head can no longer be told so in an
 * answer the next statement (COMMIT) would ignore: the function raises
 * SQLSTATE SNA01 with the real head in DETAIL, which stops the message before
 * COMMIT; the caller rolls back to the savepoint it sent before the append and
 * signs again. Everything else (the lock, the check, the insert) is as before.
 */
export class Migration20261128220000_audit_append_with_commit extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      appendFunction(`raise exception 'the audit chain head moved' using errcode = 'SNA01',
            detail = coalesce(head.seq, 0)::text || ' ' || coalesce(head.hash, repeat('0', 64));`),
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      appendFunction(
        `return jsonb_build_object('ok', false, 'seq', coalesce(head.seq, 0)::text, 'hash', coalesce(head.hash, repeat('0', 64)));`,
      ),
    );
  }
}

/** The function, with what it does when the caller's event does not chain onto the head (a later migration's `down` restores it). */
export const appendFunction = (onMismatch: string) => `create or replace function sinergi_audit_append(p_seq bigint, p_prev_hash text,
    p_occurred_at timestamptz, p_request_id text, p_actor_account_id uuid, p_actor_ministry_id uuid, p_actor_role text,
    p_operation text, p_entity_type text, p_entity_id text, p_subject_ministry_id uuid, p_changes jsonb, p_hash text, p_signature text)
  returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, public as $$
  declare head record;
  begin
    perform pg_advisory_xact_lock(73462011);
    select seq, hash into head from audit_event order by seq desc limit 1;
    if coalesce(head.seq, 0) + 1 <> p_seq or coalesce(head.hash, repeat('0', 64)) <> p_prev_hash then
      ${onMismatch}
    end if;
    insert into audit_event (seq, occurred_at, request_id, actor_account_id, actor_ministry_id, actor_role, operation, entity_type,
        entity_id, subject_ministry_id, changes, prev_hash, hash, signature)
      values (p_seq, p_occurred_at, p_request_id, p_actor_account_id, p_actor_ministry_id, p_actor_role, p_operation, p_entity_type,
        p_entity_id, p_subject_ministry_id, p_changes, p_prev_hash, p_hash, p_signature);
    return jsonb_build_object('ok', true);
  end $$;`;
