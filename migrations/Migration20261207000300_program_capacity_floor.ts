import { Migration } from '@mikro-orm/migrations';

/**
 * A programme's capacity cannot drop below the places already taken
 * (issue 29): 30 enrolled into an intake of 5 is a state no enrollment could
 * reach, so no edit of the programme may reach it either. The enrollments'
 * own trigger locks the programme row before it counts, and this one runs
 * under the row lock of the update: the two take turns. Every writer meets
 * it — the API, the CSV import, SQL as the app role; the API says it first,
 * naming `input.capacityPerIntake`.
 */
export class Migration20261207000300_program_capacity_floor extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function sinergi_program_capacity() returns trigger language plpgsql as $$
      declare taken int;
      begin
        if new.capacity_per_intake >= old.capacity_per_intake then return new; end if;
        -- Volatile: under READ COMMITTED this count sees every enrollment committed before the row lock was ours.
        select count(*) into taken from enrollment where program_id = new.id and status in ('APPLIED', 'ENROLLED');
        if taken > new.capacity_per_intake then
          raise exception 'programme % has % places taken: its capacity cannot drop to %', new.id, taken, new.capacity_per_intake using errcode = '23514';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger program_capacity before update of capacity_per_intake on program for each row execute function sinergi_program_capacity();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists program_capacity on program;`);
    this.addSql(`drop function if exists sinergi_program_capacity();`);
  }
}
