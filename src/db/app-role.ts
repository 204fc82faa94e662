/**
 * The role requests run as. It logs in by itself (never through a superuser
 * that `SET ROLE`s, which `RESET ROLE` would undo), owns no table, and is
 * bound by row-level security and by what the definer functions allow.
 *
 * Its password, unless `DATABASE_APP_URL` names the connection outright, is
 * derived from the owner's credentials (HMAC-SHA256 of the owner URL without
 * its database): every process and every database on one cluster agree on it
 * without storing it anywhere, and only someone holding the owner's
 * credentials can derive it.
 */
import { createHmac } from 'node:crypto';
import { Client } from 'pg';

export const APP_ROLE = 'sinergi_app';

function clusterIdentity(ownerUrl: string): string {
  const u = new URL(ownerUrl);
  return `${u.protocol}//${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}@${u.hostname}:${u.port || '5432'}`;
}

export function appPassword(ownerUrl: string): string {
  return createHmac('sha256', clusterIdentity(ownerUrl)).update('sinergi_app login').digest('base64url');
}

/** The owner URL with the app role's credentials: same server and database. */
export function appUrl(ownerUrl: string): string {
  const u = new URL(ownerUrl);
  u.username = APP_ROLE;
  u.password = appPassword(ownerUrl);
  return u.toString();
}

async function canLogIn(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ usesuper: boolean }>('select usesuper from pg_user where usename = current_user');
    return rows[0]?.usesuper === false;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Takes TEMPORARY and CREATE on the database from PUBLIC and the app role
 * (issue 29): a role that can create a temporary table can shadow a table a
 * function reads. Database grants are not copied from a template, so every
 * start applies this, not only the migration. Under an owner that does not
 * own the database, PostgreSQL refuses: said, not fatal (the definer functions
 * name `pg_temp` last, so shadowing them fails anyway).
 */
export async function lockDownDatabase(ownerUrl: string): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    const db = `"${rows[0].db.replace(/"/g, '""')}"`;
    for (const grantee of ['public', APP_ROLE]) await client.query(`revoke temporary, create on database ${db} from ${grantee}`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42501') throw e;
    process.emitWarning(`the app role may still create temporary tables: ${(e as Error).message}`);
  } finally {
    await client.end();
  }
}

/**
 * Lets the app role log in with the password of `url` (DATABASE_APP_URL), or
 * else one derived from the owner's credentials, after the migrations created
 * it. Checked first, so concurrent starts rarely alter the role; a
 * concurrent ALTER ROLE is retried.
 */
export async function ensureAppLogin(ownerUrl: string, url = appUrl(ownerUrl)): Promise<string> {
  if (await canLogIn(url)) return url;
  const { username, password } = new URL(url);
  // Only the app role's own password is ours to set; another role named here is the operator's to manage.
  if (decodeURIComponent(username) !== APP_ROLE || !password) return url;
  for (let attempt = 0; ; attempt++) {
    const client = new Client({ connectionString: ownerUrl });
    await client.connect();
    try {
      await client.query(
        `alter role ${APP_ROLE} with login nosuperuser nocreaterole nocreatedb noreplication nobypassrls password '${decodeURIComponent(password).replace(/'/g, "''")}'`,
      );
      return url;
    } catch (e) {
      if (attempt >= 5 || !/concurrently/.test(String((e as Error).message))) throw e;
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    } finally {
      await client.end();
    }
  }
}
