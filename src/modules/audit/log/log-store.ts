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
import { type Hash, type HashReader } from './merkle';
import { entryBundle, TILE_HEIGHT, TILE_WIDTH, tileReader } from './tiles';

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

/**
 * Runs `compute` over the tree of `size` leaves: first with a reader that notes which tiles it asks for,
 * then, with those tiles read (each cut to what the tree of `size` holds), for real.
 */
export async function withTree<T>(sql: Sql, size: number, compute: (read: HashReader) => T): Promise<T> {
  const wanted = new Set<string>();
  const dry: HashReader = (level, index) => {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const first = index * 2 ** (level - TILE_HEIGHT * tileLevel);
    wanted.add(`${tileLevel}/${Math.floor(first / TILE_WIDTH)}`);
    return Buffer.alloc(32);
  };
  compute(dry);
  const tiles = new Map<string, Buffer>();
  for (const key of wanted) {
    const [level, index] = key.split('/').map(Number);
    const available = Math.floor(size / TILE_WIDTH ** level) - index * TILE_WIDTH;
    const tile = await readTile(sql, level, index, Math.min(TILE_WIDTH, available));
    if (!tile) throw new Error(`the audit log's tile ${key} is missing for a tree of ${size}`);
    tiles.set(key, tile);
  }
  return compute(
    tileReader((level, index) => {
      const tile = tiles.get(`${level}/${index}`);
      if (!tile) throw new Error(`tile ${level}/${index} was not read ahead`);
      return tile;
    }),
  );
}

export interface StoredCheckpoint {
  size: number;
  root: Hash;
  note: string;
}

/** The newest checkpoint signed with `keyName` (any of the log's keys when none is named). */
export async function latestCheckpoint(sql: Sql, keyName?: string): Promise<StoredCheckpoint | null> {
  const [row] = await sql<{ size: string; root: Buffer; note: string }>(
    `select size, root, note from audit_log_checkpoint ${keyName ? 'where key_name = ?' : ''} order by size desc, created_at limit 1`,
    keyName ? [keyName] : [],
  );
  return row ? { size: Number(row.size), root: row.root, note: row.note } : null;
}

export async function storeCheckpoint(connection: Connection, keyName: string, checkpoint: StoredCheckpoint): Promise<void> {
  await connection.execute('select sinergi_audit_log_checkpoint(?, ?, ?, ?)', [checkpoint.size, keyName, checkpoint.root, checkpoint.note], 'run');
}
