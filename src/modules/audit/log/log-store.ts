/**
 * The audit log's tree as the database keeps it (migration
 * `audit_transparency_log`): leaves, the hashes of complete tiles and signed
 * checkpoints. Reads tiles and entry bundles for the HTTP routes, and
 * computes roots and proofs from them: a proof asks for hashes
 * synchronously, so the tiles it needs are found by a first pass that only
 * records them, fetched in one statement, and the proof is then computed.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { execute } from '../../../db/begin';
import { contentOf, type EventRow } from '../audit.chain';
import type { ReadContent } from './leaf';
import { type Hash, type HashReader } from './merkle';
import { entryBundle, TILE_HEIGHT, TILE_WIDTH, withTiles } from './tiles';

type Connection = ReturnType<EntityManager['getConnection']>;

/** Where the tree is read: a pooled connection (the integrator, the HTTP routes) or a request's transaction. */
export type Sql = <T>(sql: string, params: readonly unknown[]) => Promise<T[]>;
export const onConnection =
  (connection: Connection): Sql =>
  <T>(sql: string, params: readonly unknown[]) =>
    connection.execute<T[]>(sql, [...params], 'all');
export const inRequest =
  (em: EntityManager): Sql =>
  <T>(sql: string, params: readonly unknown[]) =>
    execute<T>(em, sql, params);

/** Takes up to `max` committed events and reads into the tree; the tree's size after. */
export async function integrate(connection: Connection, max = 10_000): Promise<number> {
  const [row] = await connection.execute<{ size: string }[]>('select sinergi_audit_log_integrate(?) as size', [max], 'all');
  return Number(row.size);
}

/** The index of the leaf of `kind` and `ref` (an event's sequence number, a read's id), if it is in the tree. */
export async function leafIndex(sql: Sql, kind: 'event' | 'read', ref: string): Promise<{ index: number; data: Buffer } | null> {
  const [row] = await sql<{ idx: string; data: Buffer }>('select idx, data from audit_log_leaf where kind = ? and ref = ?', [kind, ref]);
  return row ? { index: Number(row.idx), data: row.data } : null;
}

/** The index of the first leaf taken into the tree at or after `time` (leaves are integrated in index order), or null. */
export async function firstLeafAt(sql: Sql, time: Date): Promise<number | null> {
  const [row] = await sql<{ idx: string | null }>('select min(idx)::text as idx from audit_log_leaf where integrated_at >= ?', [time]);
  return row?.idx === null || row?.idx === undefined ? null : Number(row.idx);
}

/** Tile `index` of `level`, `width` hashes, or null when the tree has not that many hashes there yet. */
export async function readTile(sql: Sql, level: number, index: number, width: number): Promise<Buffer | null> {
  const [first, last] = [index * TILE_WIDTH, index * TILE_WIDTH + width - 1];
  const rows =
    level === 0
      ? await sql<{ hash: Buffer }>('select hash from audit_log_leaf where idx between ? and ? order by idx', [first, last])
      : await sql<{ hash: Buffer }>('select hash from audit_log_hash where level = ? and idx between ? and ? order by idx', [TILE_HEIGHT * level, first, last]);
  return rows.length === width ? Buffer.concat(rows.map((r) => r.hash)) : null;
}

/** Entry bundle `index`, `width` entries, or null when the tree has not that many entries there yet. */
export async function readEntries(sql: Sql, index: number, width: number): Promise<Buffer | null> {
  const first = index * TILE_WIDTH;
  const rows = await sql<{ data: Buffer }>('select data from audit_log_leaf where idx between ? and ? order by idx', [first, first + width - 1]);
  return rows.length === width ? entryBundle(rows.map((r) => r.data)) : null;
}

/** Runs `compute` over the tree of `size` leaves, its tiles read from the database (tiles.ts `withTiles`). */
export const withTree = <T>(sql: Sql, size: number, compute: (read: HashReader) => T): Promise<T> =>
  withTiles(size, (level, index, width) => readTile(sql, level, index, width), compute);

export interface StoredCheckpoint {
  size: number;
  root: Hash;
  note: string;
}

/**
 * The newest checkpoints stored under `keyName`, newest first: candidates only. The database checks a
 * stored checkpoint's size and root against the tree, but cannot check its signature: whoever reads
 * them verifies each note (audit-log.ts), and a note that does not verify is passed over.
 */
export async function newestCheckpoints(sql: Sql, keyName: string, limit = 20): Promise<StoredCheckpoint[]> {
  const rows = await sql<{ size: string; root: Buffer; note: string }>(
    'select size, root, note from audit_log_checkpoint where key_name = ? order by size desc, created_at limit ?',
    [keyName, limit],
  );
  return rows.map((row) => ({ size: Number(row.size), root: row.root, note: row.note }));
}

/** Stored checkpoints of `keyName` cosigned by at least `quorum` live witnesses, newest first (candidates, as above). */
export async function witnessedCheckpoints(sql: Sql, keyName: string, quorum: number, limit = 20): Promise<StoredCheckpoint[]> {
  const rows = await sql<{ size: string; root: Buffer; note: string }>(
    `select c.size, c.root, c.note from audit_log_checkpoint c
      where c.key_name = ? and (select count(*) from audit_log_cosignature s join audit_log_witness w on w.id = s.witness_id
                                 where s.size = c.size and s.root = c.root and w.revoked_at is null) >= ?
      order by c.size desc, c.created_at limit ?`,
    [keyName, quorum, limit],
  );
  return rows.map((row) => ({ size: Number(row.size), root: row.root, note: row.note }));
}

/** Whether the log stored a checkpoint of this size and root (under any of its keys). */
export async function storedCheckpoint(sql: Sql, size: number, root: Hash): Promise<boolean> {
  const [row] = await sql<{ one: number }>('select 1 as one from audit_log_checkpoint where size = ? and root = ? limit 1', [size, root]);
  return !!row;
}

export async function storeCheckpoint(connection: Connection, keyName: string, checkpoint: StoredCheckpoint): Promise<void> {
  await connection.execute('select sinergi_audit_log_checkpoint(?, ?, ?, ?)', [checkpoint.size, keyName, checkpoint.root, checkpoint.note], 'run');
}

/** A registered witness key. */
export interface WitnessRow {
  id: string;
  name: string;
  verifierKey: string;
  ministryId: string | null;
  registeredAt: Date;
  revokedAt: Date | null;
}

const WITNESS_COLUMNS = 'id, name, verifier_key as "verifierKey", ministry_id as "ministryId", registered_at as "registeredAt", revoked_at as "revokedAt"';

/** Registered witnesses, live ones only unless `all`. */
export function witnessesOf(sql: Sql, all = false): Promise<WitnessRow[]> {
  return sql<WitnessRow>(`select ${WITNESS_COLUMNS} from audit_log_witness ${all ? '' : 'where revoked_at is null'} order by registered_at, id`, []);
}

/** Registers a witness for the request's scope: its ministry (ADMIN) or the auditors (AUDITOR). */
export async function registerWitness(sql: Sql, name: string, verifierKey: string): Promise<WitnessRow> {
  const [{ id }] = await sql<{ id: string }>('select sinergi_audit_log_register_witness(?, ?) as id', [name, verifierKey]);
  const [row] = await sql<WitnessRow>(`select ${WITNESS_COLUMNS} from audit_log_witness where id = ?`, [id]);
  return row;
}

/** Revokes a live witness the request's scope registered (its ministry's, or the auditors'); the row, or null. */
export async function revokeWitness(sql: Sql, id: string): Promise<WitnessRow | null> {
  const [{ done }] = await sql<{ done: boolean }>('select sinergi_audit_log_revoke_witness(?) as done', [id]);
  if (!done) return null;
  const [row] = await sql<WitnessRow>(`select ${WITNESS_COLUMNS} from audit_log_witness where id = ?`, [id]);
  return row;
}

/** The cosignature lines stored for a checkpoint, with the live witness each names. */
export function cosignaturesOf(sql: Sql, size: number, root: Hash): Promise<{ line: string; verifierKey: string }[]> {
  return sql(
    `select s.line, w.verifier_key as "verifierKey" from audit_log_cosignature s join audit_log_witness w on w.id = s.witness_id
      where s.size = ? and s.root = ? and w.revoked_at is null order by w.name`,
    [size, root],
  );
}

export async function storeCosignature(sql: Sql, witnessId: string, size: number, root: Hash, line: string): Promise<void> {
  await sql('select sinergi_audit_log_cosign(?, ?, ?, ?)', [witnessId, size, root, line]);
}

/** An entry of the log with the content its leaf digests, when the reader may read it. */
export interface EntryWithContent {
  index: number;
  data: Buffer;
  kind: 'event' | 'read';
  ref: string;
  /** An event's content (with its `seq` and `prevHash` for events hashed before the database linked them), a read's row; null when not readable or gone. */
  content: Record<string, unknown> | null;
}

interface EntryRow extends EventRow {
  idx: string;
  kind: 'event' | 'read';
  ref: string;
  data: Buffer;
  read_id: string | null;
  read_at: string | null;
  reader_account_id: string | null;
  reader_ministry_id: string | null;
  owner_ministry_id: string | null;
  resource_type: string | null;
  record_id: string | null;
  fields: string[] | null;
  clause_id: string | null;
  mou_id: string | null;
}

/**
 * Entries [from, from + count) with their contents, read under the caller's row-level security: an event or
 * read the caller may not read (or one no longer in the database) comes with no content. The CASEs keep each
 * reference's cast to its own kind.
 */
export function entriesWithContent(sql: Sql, from: number, count: number): Promise<EntryWithContent[]> {
  return entriesWhere(sql, 'l.idx >= ? and l.idx < ?', [from, from + count]);
}

/** The leaves of the reads `ids` that are in the tree, with their contents (as `entriesWithContent`). */
export function readEntriesOf(sql: Sql, ids: readonly string[]): Promise<EntryWithContent[]> {
  return ids.length ? entriesWhere(sql, `l.kind = 'read' and l.ref in (?)`, [ids]) : Promise.resolve([]);
}

async function entriesWhere(sql: Sql, where: string, params: unknown[]): Promise<EntryWithContent[]> {
  const rows = await sql<EntryRow>(
    `select l.idx, l.kind, l.ref, l.data,
        e.seq::text as seq, e.occurred_at, e.request_id, e.actor_account_id, e.actor_ministry_id, e.actor_role, e.operation, e.entity_type,
        e.entity_id, e.subject_ministry_id, e.changes, e.prev_hash, e.hash, e.signature, e.content_digest,
        d.id::text as read_id, to_char(d.read_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as read_at, d.reader_account_id::text,
        d.reader_ministry_id::text, d.owner_ministry_id::text, d.resource_type::text, d.record_id::text, d.fields, d.clause_id::text, d.mou_id::text
      from audit_log_leaf l
      left join audit_event e on e.seq = case when l.kind = 'event' then l.ref::bigint end
      left join personal_data_read d on d.id = case when l.kind = 'read' then l.ref::uuid end
      where ${where} order by l.idx`,
    params,
  );
  return rows.map((r) => ({ index: Number(r.idx), data: r.data, kind: r.kind, ref: r.ref, content: contentOfEntry(r) }));
}

function contentOfEntry(r: EntryRow): Record<string, unknown> | null {
  if (r.kind === 'event') {
    if (!r.seq) return null;
    const content = contentOf(r);
    return r.content_digest ? { ...content } : { ...content, seq: r.seq, prevHash: r.prev_hash };
  }
  if (!r.read_id || !r.read_at) return null;
  const read: ReadContent = {
    id: r.read_id,
    readAt: r.read_at,
    readerAccountId: r.reader_account_id,
    readerMinistryId: r.reader_ministry_id,
    ownerMinistryId: r.owner_ministry_id,
    resourceType: r.resource_type,
    recordId: r.record_id,
    fields: r.fields,
    clauseId: r.clause_id,
    mouId: r.mou_id,
  };
  return { ...read };
}
