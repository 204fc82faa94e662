import { Migration } from '@mikro-orm/migrations';

/** Every function that takes an advisory lock, in each of its forms (the unlocks free only the caller's own). */
const LOCKS = [
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_advisory_xact_lock',
  'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
  'pg_try_advisory_xact_lock',
  'pg_try_advisory_xact_lock_shared',
];

/**
 * Advisory locks for the owner only. The audit chain is appended under one
 * advisory lock (`sinergi_audit_link`, a definer function that runs as the
 * owner). Every role may take any advisory lock by default, so an insider
 * holding the app role's password could take that one, or a shared lock on
 * its key, in an idle session and stop every mutation of every ministry
 * until the session ended. Execution goes to the owner, which the definer
 * functions run as; the app role never takes a lock itself.
 *
 * Only a superuser may change the grants of these built-in functions: under
 * an owner that is not one (a managed database), the migration says so and
 * leaves them as they are (docs/database-trust.md: "No lock to hold the chain hostage").
 */
export class Migration20261129150000_advisory_locks_owner_only extends Migration {
  override async up(): Promise<void> {
    this.addSql(grants('revoke execute on function %s from public; grant execute on function %s to %I', 'only a superuser can restrict them'));
  }

  override async down(): Promise<void> {
    this.addSql(grants('grant execute on function %s to public', 'only a superuser can change their grants'));
  }
}

/** A block applying `statement` (`%s` the function, `%I` the owner) to every advisory lock function. */
function grants(statement: string, why: string): string {
  return `do $$
    declare f regprocedure;
    begin
      for f in select p.oid::regprocedure from pg_proc p
          where p.pronamespace = 'pg_catalog'::regnamespace and p.proname in (${LOCKS.map((l) => `'${l}'`).join(', ')}) loop
        execute format('${statement}', f, f, current_user);
      end loop;
    exception when insufficient_privilege then
      raise notice 'advisory locks left open to every role: %', '${why}';
    end $$;`;
}
