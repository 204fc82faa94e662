/**
 * The audit key's footprint in the database (issue 29).
 *
 * The database never holds AUDIT_KEY. It holds, readable only by the owner:
 * - `audit_key_id`: a one-way fingerprint of the key, so that a process
 *   started with another key (the development default against production
 *   data, say) is refused before it writes an event the verifier would reject
 *   for good;
 * - the padded halves of a **link key** derived from AUDIT_KEY, with which
 *   `sinergi_audit_link` and `sinergi_audit_seal` check that an event or a
 *   seal comes from the server: the app role's password alone cannot append.
 *
 * Registered by the first process that writes events (trust on first use);
 * a database whose chain was sealed before this existed registers only a key
 * that made its newest seal.
 */
import { createHash, createHmac } from 'node:crypto';
import { Client } from 'pg';
import { linkKeyOf, sealOf } from './audit.chain';

const derive = (key: string, label: string) => createHmac('sha256', key).update(label).digest();

/** The fingerprint the database keeps: it names the key without revealing it. */
export const auditKeyId = (key: string) => createHash('sha256').update(derive(key, 'sinergi audit key id v1')).digest('hex');

/** HMAC's inner and outer padded keys (RFC 2104), as `sinergi_audit_mac` uses them. */
function pads(key: string): { ipad: Buffer; opad: Buffer } {
  const block = Buffer.alloc(64);
  linkKeyOf(key).copy(block);
  return { ipad: Buffer.from(block.map((b) => b ^ 0x36)), opad: Buffer.from(block.map((b) => b ^ 0x5c)) };
}

export class AuditKeyMismatch extends Error {}

/**
 * Registers `key` with the database on `owner` (a connection with the
 * owner's rights), or checks that it is the key registered there. Throws
 * `AuditKeyMismatch` for another key.
 */
export async function registerAuditKey(owner: Pick<Client, 'query'>, key: string): Promise<void> {
  const id = auditKeyId(key);
  const registered = async () =>
    (await owner.query<{ value: Buffer }>(`select value from sinergi_secret where name = 'audit_key_id'`)).rows[0]?.value.toString('utf8');
  let current = await registered();
  if (current === undefined) {
    const [newest] = (await owner.query<{ hash: string; signature: string }>('select hash, signature from audit_seal order by seq desc limit 1')).rows;
    if (newest && sealOf(key, newest.hash) !== newest.signature)
      throw new AuditKeyMismatch("AUDIT_KEY is not the key that sealed this database's audit chain: start with the key that did.");
    const { ipad, opad } = pads(key);
    await owner.query(
      `insert into sinergi_secret (name, value) values ('audit_key_id', $1), ('audit_link_ipad', $2), ('audit_link_opad', $3) on conflict (name) do nothing`,
      [Buffer.from(id, 'utf8'), ipad, opad],
    );
    current = await registered();
  }
  if (current !== id)
    throw new AuditKeyMismatch(
      `AUDIT_KEY is not the key this database's audit chain is signed with (registered key ${current?.slice(0, 12)}…, this one ${id.slice(0, 12)}…): ` +
        'every event signed with another key would leave the chain invalid for good. Start with the key that started it.',
    );
}

/** `registerAuditKey` on a connection of its own to `ownerUrl`. */
export async function registerAuditKeyAt(ownerUrl: string, key: string): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await registerAuditKey(client, key);
  } finally {
    await client.end();
  }
}
