import { Migration } from '@mikro-orm/migrations';

/**
 * A programme never has more applicants and participants than
 * `capacity_per_intake` (issue 9). The API checks it with the programme row
 * locked; this trigger holds the same line for every other writer with the
 * app's role, under the same lock, so concurrent inserts cannot overshoot.
 * Seeding and migrations (the owner) load data that was generated within
 * capacity, row by row through COPY, and are not slowed by it.
 */
export class Migration20261128000800_enrollment_capacity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function sinergi_enrollment_capacity() returns trigger language plpgsql as $$
      declare cap int; taken int;
      begin
        if current_user <> 'sinergi_app' or new.status not in ('APPLIED', 'ENROLLED') then return new; end if;
        if tg_op = 'UPDATE' and old.status in ('APPLIED', 'ENROLLED') and old.program_id = new.program_id then return new; end if;
        select capacity_per_intake into cap from program where id = new.program_id for update;
        select count(*) into taken from enrollment where program_id = new.program_id and status in ('APPLIED', 'ENROLLED') and id <> new.id;
        if taken >= cap then
          raise exception 'programme % is full (% places)', new.program_id, cap using errcode = '23514';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger enrollment_capacity before insert or update of status, program_id on enrollment for each row execute function sinergi_enrollment_capacity();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists enrollment_capacity on enrollment;`);
    this.addSql(`drop function if exists sinergi_enrollment_capacity();`);
  }
}
