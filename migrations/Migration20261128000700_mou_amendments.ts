import { Migration } from '@mikro-orm/migrations';

/**
 * Amendments are signed like the original (issue 8). `amendMou` proposes a
 * new version; the terms in force stay the signed ones until every party's
 * ADMIN has signed the proposal, and then it takes effect at once, in the
 * transaction of the last signature. Any party may reject it, its proposer
 * may withdraw it; an MoU has at most one pending amendment. A provider may
 * narrow its own sharing at once (withdrawing consent needs no one else).
 *
 * The app role only reads these tables: every change goes through the
 * definer functions below, which take the caller's ministry and role from
 * the sealed request scope, never from their arguments.
 */
export class Migration20261128000700_mou_amendments extends Migration {
  override async up(): Promise<void> {
    for (const v of ['AMENDMENT_PROPOSED', 'AMENDMENT_SIGNED', 'AMENDMENT_REJECTED', 'AMENDMENT_WITHDRAWN', 'NARROWED']) {
      this.addSql(`alter type "mou_event" add value if not exists '${v}';`);
    }
    this.addSql(`create type "mou_amendment_status" as enum ('PENDING', 'APPLIED', 'REJECTED', 'WITHDRAWN');`);
    this.addSql(`create table "mou_amendment" ("id" uuid not null, "mou_id" uuid not null, "number" int not null, "status" "mou_amendment_status" not null default 'PENDING',
      "reason" text not null, "proposal" jsonb not null, "proposed_by_ministry_id" uuid not null, "proposed_by_account_id" uuid not null,
      "created_at" timestamptz not null default now(), "decided_at" timestamptz null, "decision_reason" text null, "decided_by_ministry_id" uuid null,
      constraint "mou_amendment_pkey" primary key ("id"));`);
    this.addSql(`alter table "mou_amendment" add constraint "mou_amendment_mou_id_number_unique" unique ("mou_id", "number");`);
    this.addSql(`create unique index "mou_amendment_one_pending" on "mou_amendment" ("mou_id") where "status" = 'PENDING';`);
    this.addSql(`alter table "mou_amendment" add constraint "mou_amendment_mou_id_foreign" foreign key ("mou_id") references "mou" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "mou_amendment" add constraint "mou_amendment_proposed_by_ministry_id_foreign" foreign key ("proposed_by_ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);
    this.addSql(`create table "mou_amendment_signature" ("id" uuid not null, "amendment_id" uuid not null, "ministry_id" uuid not null, "account_id" uuid not null,
      "signed_at" timestamptz not null default now(), "signatory_name" varchar(255) null, "signatory_title" varchar(255) null,
      constraint "mou_amendment_signature_pkey" primary key ("id"));`);
    this.addSql(`alter table "mou_amendment_signature" add constraint "mou_amendment_signature_amendment_id_ministry_id_unique" unique ("amendment_id", "ministry_id");`);
    this.addSql(`alter table "mou_amendment_signature" add constraint "mou_amendment_signature_amendment_id_foreign" foreign key ("amendment_id") references "mou_amendment" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "mou_amendment_signature" add constraint "mou_amendment_signature_ministry_id_foreign" foreign key ("ministry_id") references "ministry" ("id") on update cascade on delete restrict;`);

    this.addSql(`revoke all on mou_amendment, mou_amendment_signature from sinergi_app;`);
    this.addSql(`grant select on mou_amendment, mou_amendment_signature to sinergi_app;`);
    this.addSql(`alter table mou_amendment enable row level security;`);
    this.addSql(`alter table mou_amendment force row level security;`);
    this.addSql(`create policy owner_all on mou_amendment to current_user using (true) with check (true);`);
    this.addSql(`create policy app_select on mou_amendment for select to sinergi_app using (exists (select 1 from mou m where m.id = mou_id));`);
    this.addSql(`alter table mou_amendment_signature enable row level security;`);
    this.addSql(`alter table mou_amendment_signature force row level security;`);
    this.addSql(`create policy owner_all on mou_amendment_signature to current_user using (true) with check (true);`);
    this.addSql(`create policy app_select on mou_amendment_signature for select to sinergi_app using (exists (select 1 from mou_amendment a where a.id = amendment_id));`);

    // The caller as a party ADMIN of an MoU in force, with the MoU locked; raises otherwise.
    this.addSql(`create function sinergi_party_admin_lock(p_mou uuid) returns mou language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare m mou; today date := ((now() at time zone 'UTC') + interval '7 hours')::date;
      begin
        if sinergi_role() is distinct from 'ADMIN' or sinergi_own() is null then
          raise exception 'only a party''s ADMIN amends an MoU' using errcode = '42501';
        end if;
        select * into m from mou where id = p_mou for update;
        if m.id is null or not (m.party_ministry_ids @> array[sinergi_own()::text]) then
          raise exception 'not a party to this MoU' using errcode = '42501';
        end if;
        if m.recorded_status <> 'ACTIVE' or today >= m.valid_until or today < m.valid_from then
          raise exception 'only an MoU in force is amended' using errcode = '55000';
        end if;
        return m;
      end $$;`);
    this.addSql(`revoke all on function sinergi_party_admin_lock(uuid) from public;`);

    this.addSql(`create function sinergi_propose_amendment(p_mou uuid, p_reason text, p_proposal jsonb, p_signatory_name text, p_signatory_title text)
      returns uuid language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare m mou := sinergi_party_admin_lock(p_mou); c jsonb; aid uuid := gen_random_uuid(); n int;
      begin
        for c in select * from jsonb_array_elements(coalesce(p_proposal -> 'clauses', '[]')) loop
          if not (m.party_ministry_ids @> array[c ->> 'providerMinistryId', c ->> 'recipientMinistryId'])
             or c ->> 'providerMinistryId' = c ->> 'recipientMinistryId' then
            raise exception 'a clause must be between two different parties' using errcode = '22023';
          end if;
          perform (select array(select jsonb_array_elements_text(c -> 'resourceTypes')))::resource_type[];
        end loop;
        if (p_proposal -> 'validUntil') is not null and (p_proposal ->> 'validUntil')::date <= m.valid_from then
          raise exception 'validUntil must be after validFrom' using errcode = '22023';
        end if;
        select coalesce(max(number), 0) + 1 into n from mou_amendment where mou_id = p_mou;
        insert into mou_amendment (id, mou_id, number, reason, proposal, proposed_by_ministry_id, proposed_by_account_id)
          values (aid, p_mou, n, p_reason, p_proposal, sinergi_own(), sinergi_account());
        insert into mou_amendment_signature (id, amendment_id, ministry_id, account_id, signatory_name, signatory_title)
          values (gen_random_uuid(), aid, sinergi_own(), sinergi_account(), p_signatory_name, p_signatory_title);
        return aid;
      end $$;`);

    // Signs the pending amendment for the caller's ministry; the last signature applies it. Returns
    // 'SIGNED' or 'APPLIED'.
    this.addSql(`create function sinergi_sign_amendment(p_mou uuid, p_signatory_name text, p_signatory_title text)
      returns text language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare m mou := sinergi_party_admin_lock(p_mou); a mou_amendment; signed int; c jsonb; p jsonb;
      begin
        select * into a from mou_amendment where mou_id = p_mou and status = 'PENDING';
        if a.id is null then raise exception 'no pending amendment' using errcode = '55000'; end if;
        if exists (select 1 from mou_amendment_signature where amendment_id = a.id and ministry_id = sinergi_own()) then
          raise exception 'already signed' using errcode = '55000';
        end if;
        insert into mou_amendment_signature (id, amendment_id, ministry_id, account_id, signatory_name, signatory_title)
          values (gen_random_uuid(), a.id, sinergi_own(), sinergi_account(), p_signatory_name, p_signatory_title);
        select count(distinct ministry_id) into signed from mou_amendment_signature
         where amendment_id = a.id and ministry_id::text = any (m.party_ministry_ids);
        if signed < cardinality(m.party_ministry_ids) then return 'SIGNED'; end if;

        p := a.proposal;
        if (p -> 'clauses') is not null then
          update data_sharing_clause set retired_at = now(), updated_at = now(), version = version + 1 where mou_id = p_mou and retired_at is null;
          for c in select * from jsonb_array_elements(p -> 'clauses') loop
            insert into data_sharing_clause (id, mou_id, provider_ministry_id, recipient_ministry_id, resource_types, includes_personal_data, purpose)
              values (gen_random_uuid(), p_mou, (c ->> 'providerMinistryId')::uuid, (c ->> 'recipientMinistryId')::uuid,
                      (select array(select jsonb_array_elements_text(c -> 'resourceTypes')))::resource_type[],
                      coalesce((c ->> 'includesPersonalData')::boolean, false), c ->> 'purpose');
          end loop;
        end if;
        update mou set
          title = case when (p -> 'title') is not null then p ->> 'title' else title end,
          scope = case when (p -> 'scope') is not null then p ->> 'scope' else scope end,
          valid_until = case when (p -> 'validUntil') is not null then (p ->> 'validUntil')::date else valid_until end,
          follow_up_due_date = case when (p -> 'followUpDueDate') is not null then (p ->> 'followUpDueDate')::date else follow_up_due_date end,
          document_hash = case when (p -> 'documentHash') is not null then p ->> 'documentHash' else document_hash end,
          version = version + 1, updated_at = now()
         where id = p_mou;
        update mou_amendment set status = 'APPLIED', decided_at = now() where id = a.id;
        return 'APPLIED';
      end $$;`);

    this.addSql(`create function sinergi_end_amendment(p_mou uuid, p_status text, p_reason text)
      returns void language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare m mou := sinergi_party_admin_lock(p_mou); a mou_amendment;
      begin
        select * into a from mou_amendment where mou_id = p_mou and status = 'PENDING';
        if a.id is null then raise exception 'no pending amendment' using errcode = '55000'; end if;
        if p_status = 'WITHDRAWN' and a.proposed_by_ministry_id <> sinergi_own() then
          raise exception 'only the proposing party withdraws an amendment' using errcode = '42501';
        end if;
        if p_status = 'REJECTED' and a.proposed_by_ministry_id = sinergi_own() then
          raise exception 'the proposing party withdraws, it does not reject' using errcode = '42501';
        end if;
        if p_status not in ('WITHDRAWN', 'REJECTED') then raise exception 'unknown decision' using errcode = '22023'; end if;
        update mou_amendment set status = p_status::mou_amendment_status, decided_at = now(), decision_reason = p_reason, decided_by_ministry_id = sinergi_own()
         where id = a.id;
      end $$;`);

    // Withdrawing consent: the provider drops resource types or personal data from a clause it
    // provides, at once. Its signature on a pending amendment, given before, is voided.
    this.addSql(`create function sinergi_narrow_clause(p_clause uuid, p_keep text[], p_personal boolean)
      returns uuid language plpgsql volatile security definer set search_path = pg_catalog, public as $$
      declare c data_sharing_clause; m mou; kept resource_type[]; personal boolean; nid uuid;
      begin
        select * into c from data_sharing_clause where id = p_clause and retired_at is null for update;
        if c.id is null or sinergi_role() is distinct from 'ADMIN' or c.provider_ministry_id is distinct from sinergi_own() then
          raise exception 'only the providing ministry''s ADMIN narrows a clause' using errcode = '42501';
        end if;
        select * into m from mou where id = c.mou_id for update;
        if m.recorded_status <> 'ACTIVE' then raise exception 'only a signed MoU''s clause is narrowed' using errcode = '55000'; end if;
        kept := case when p_keep is null then c.resource_types
                     else array(select t from unnest(c.resource_types) t where t::text = any (p_keep)) end;
        personal := c.includes_personal_data and coalesce(p_personal, true);
        if cardinality(kept) = cardinality(c.resource_types) and personal = c.includes_personal_data then
          raise exception 'nothing to narrow' using errcode = '22023';
        end if;
        update data_sharing_clause set retired_at = now(), updated_at = now(), version = version + 1 where id = c.id;
        if cardinality(kept) > 0 then
          nid := gen_random_uuid();
          insert into data_sharing_clause (id, mou_id, provider_ministry_id, recipient_ministry_id, resource_types, includes_personal_data, purpose)
            values (nid, c.mou_id, c.provider_ministry_id, c.recipient_ministry_id, kept, personal, c.purpose);
        end if;
        delete from mou_amendment_signature s using mou_amendment a
         where s.amendment_id = a.id and a.mou_id = c.mou_id and a.status = 'PENDING' and s.ministry_id = sinergi_own();
        update mou set version = version + 1, updated_at = now() where id = m.id;
        return nid;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_narrow_clause(uuid, text[], boolean);`);
    this.addSql(`drop function if exists sinergi_end_amendment(uuid, text, text);`);
    this.addSql(`drop function if exists sinergi_sign_amendment(uuid, text, text);`);
    this.addSql(`drop function if exists sinergi_propose_amendment(uuid, text, jsonb, text, text);`);
    this.addSql(`drop function if exists sinergi_party_admin_lock(uuid);`);
    this.addSql(`drop table if exists "mou_amendment_signature" cascade;`);
    this.addSql(`drop table if exists "mou_amendment" cascade;`);
    this.addSql(`drop type if exists "mou_amendment_status";`);
  }
}
