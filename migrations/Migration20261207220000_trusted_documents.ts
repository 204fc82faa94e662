import { Migration } from '@mikro-orm/migrations';

/**
 * Trusted documents per client app (issue 32, item 2): the GraphQL documents an app was built with, which
 * its ministry's ADMIN registers; an app that requires them (`require_trusted_documents`) runs nothing else.
 *
 * - **`api_client_document`**: each registered document under its id, `sha256:<hex>` of its text. The
 *   database checks the id against the text, so not even an insider files a document under another's id.
 * - **Written only by `sinergi_api_client_set_documents`**, for the ADMIN of the app's ministry, which
 *   replaces the app's set (the manifest is the whole list) and says what it added and removed.
 * - **Read at request time through `sinergi_api_client_document(account, id)`**: whether the account is
 *   an app that requires trusted documents, and the text of one of its documents. Documents are no
 *   secret (they are the app's own queries); what matters is that nobody files one but the ADMIN.
 */
export class Migration20261207220000_trusted_documents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table api_client add column require_trusted_documents boolean not null default false;`);
    this.addSql(`create table api_client_document (
      client uuid not null references api_client (id),
      document_id text not null,
      body text not null,
      operation_name text null,
      cost int not null,
      registered_at timestamptz not null default now(),
      constraint api_client_document_pkey primary key (client, document_id),
      constraint api_client_document_id_check check (document_id = 'sha256:' || encode(sha256(convert_to(body, 'UTF8')), 'hex')));`);
    this.addSql(`revoke all on api_client_document from sinergi_app;`);
    this.addSql(`grant select on api_client_document to sinergi_app;`);
    this.addSql(`alter table api_client_document enable row level security;`);
    this.addSql(`alter table api_client_document force row level security;`);
    this.addSql(`create policy owner_all on api_client_document to current_user using (true) with check (true);`);
    // The ADMIN of the app's ministry, and the app itself.
    this.addSql(`create policy app_select on api_client_document for select to sinergi_app using (
      client = (select sinergi_account())
      or ((select sinergi_role()) = 'ADMIN' and exists (select 1 from api_client c where c.id = client and c.ministry_id = (select sinergi_own()))));`);

    this.addSql(`create function sinergi_api_client_set_documents(p_client uuid, p_ids text[], p_bodies text[], p_names text[], p_costs int[])
      returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      declare added text[]; removed text[];
      begin
        if sinergi_role() is distinct from 'ADMIN' then return null; end if;
        perform 1 from api_client where id = p_client and ministry_id = sinergi_own() and revoked_at is null for update;
        if not found then return null; end if;
        with gone as (delete from api_client_document d where d.client = p_client and d.document_id <> all (p_ids) returning d.document_id)
          select coalesce(array_agg(document_id order by document_id), '{}') into removed from gone;
        with fresh as (
          insert into api_client_document (client, document_id, body, operation_name, cost)
            select p_client, u.id, u.body, u.name, u.cost from unnest(p_ids, p_bodies, p_names, p_costs) as u (id, body, name, cost)
            on conflict (client, document_id) do nothing returning document_id)
          select coalesce(array_agg(document_id order by document_id), '{}') into added from fresh;
        update api_client set updated_at = now(), version = version + 1 where id = p_client;
        return jsonb_build_object('added', to_jsonb(added), 'removed', to_jsonb(removed));
      end $$;`);
    this.addSql(`create function sinergi_api_client_require_documents(p_client uuid, p_required boolean) returns boolean
      language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
      begin
        if sinergi_role() is distinct from 'ADMIN' then return false; end if;
        update api_client set require_trusted_documents = p_required, updated_at = now(), version = version + 1
          where id = p_client and ministry_id = sinergi_own() and revoked_at is null;
        return found;
      end $$;`);
    // Whether the account is an app that runs trusted documents only, and the text of one of its documents (null when it has none of that id).
    this.addSql(`create function sinergi_api_client_document(p_account uuid, p_document_id text, out app boolean, out required boolean, out body text)
      language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
      select c.id is not null, coalesce(c.require_trusted_documents, false),
             (select d.body from api_client_document d where d.client = c.id and d.document_id = p_document_id)
        from (select 1) one left join api_client c on c.id = p_account and c.revoked_at is null $$;`);
    for (const fn of [
      'sinergi_api_client_set_documents(uuid, text[], text[], text[], int[])',
      'sinergi_api_client_require_documents(uuid, boolean)',
      'sinergi_api_client_document(uuid, text)',
    ]) {
      this.addSql(`revoke all on function ${fn} from public;`);
      this.addSql(`grant execute on function ${fn} to sinergi_app;`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists sinergi_api_client_document(uuid, text);`);
    this.addSql(`drop function if exists sinergi_api_client_require_documents(uuid, boolean);`);
    this.addSql(`drop function if exists sinergi_api_client_set_documents(uuid, text[], text[], text[], int[]);`);
    this.addSql(`drop table if exists api_client_document;`);
    this.addSql(`alter table api_client drop column require_trusted_documents;`);
  }
}
