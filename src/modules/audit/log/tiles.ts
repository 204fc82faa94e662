/**
 * The audit log's tree served as static tiles (C2SP tlog-tiles): level tiles
 * of 256 hashes and entry bundles of 256 entries, at the paths any tiles
 * client asks for, and the way back from tiles to any hash a proof needs.
 * Pure functions: the server writes tiles with them, the offline verifier and
 * the witness read them.
 */
import { nodeHash, type Hash, type HashReader } from './merkle';

/** Hashes per full tile, and the tree levels one tile spans. */
export const TILE_WIDTH = 256;
export const TILE_HEIGHT = 8;

/** A tile's index as tlog-tiles writes it: 3-digit path elements, all but the last starting with `x`. */
export function indexPath(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`not a tile index: ${index}`);
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

const widthSuffix = (width: number) => {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new RangeError(`not a tile width: ${width}`);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
};

/** `tile/<L>/<N>[.p/<W>]`: the level tile `index` of level `level`, `width` hashes wide. */
export const tilePath = (level: number, index: number, width = TILE_WIDTH) => `tile/${level}/${indexPath(index)}${widthSuffix(width)}`;

/** `tile/entries/<N>[.p/<W>]`: the entry bundle `index`, `width` entries long. */
export const entriesPath = (index: number, width = TILE_WIDTH) => `tile/entries/${indexPath(index)}${widthSuffix(width)}`;

export interface TileAddress {
  /** The tile level, or `entries` for an entry bundle. */
  level: number | 'entries';
  index: number;
  width: number;
}

/** The tile a path names, exactly as `tilePath` and `entriesPath` write it; null for anything else. */
export function parseTilePath(path: string): TileAddress | null {
  const m = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(path);
  if (!m) return null;
  const groups = m[2].split('/').map((g) => g.replace('x', ''));
  // No leading zero group: an index has exactly one spelling.
  if (groups.length > 1 && groups[0] === '000') return null;
  const index = groups.reduce((n, g) => n * 1000 + Number(g), 0);
  const width = m[3] ? Number(m[3]) : TILE_WIDTH;
  const level = m[1] === 'entries' ? 'entries' : Number(m[1]);
  if (width > TILE_WIDTH - 1 && m[3]) return null;
  if (!Number.isSafeInteger(index) || (typeof level === 'number' && level > 63)) return null;
  return { level, index, width };
}

/** The tiles of a tree of `size` leaves at `level`: its full ones, and the partial one's width (0: none). */
export function tilesAt(level: number, size: number): { full: number; partial: number } {
  const hashes = Math.floor(size / TILE_WIDTH ** level);
  return { full: Math.floor(hashes / TILE_WIDTH), partial: hashes % TILE_WIDTH };
}

/** The `width` hashes of level tile `index` of level `level`: complete subtrees of 256^level leaves. */
export function tileHashes(read: HashReader, level: number, index: number, width: number): Buffer {
  const out: Hash[] = [];
  for (let i = 0; i < width; i++) out.push(read(TILE_HEIGHT * level, index * TILE_WIDTH + i));
  return Buffer.concat(out);
}

/**
 * A `HashReader` over tiles: the hash of any complete subtree, computed from the level tile that holds the
 * subtrees it is made of. `tileOf(level, index)` gives a tile's bytes (full, or the partial tile of the tree
 * being read), or throws when it is not at hand.
 */
export function tileReader(tileOf: (level: number, index: number) => Buffer): HashReader {
  return (level, index) => {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const span = 2 ** (level - TILE_HEIGHT * tileLevel);
    const first = index * span;
    const tile = tileOf(tileLevel, Math.floor(first / TILE_WIDTH));
    const at = first % TILE_WIDTH;
    if ((at + span) * 32 > tile.length) throw new RangeError(`the tile holds no subtree at level ${level}, index ${index}`);
    const hash = (i: number) => tile.subarray((at + i) * 32, (at + i + 1) * 32);
    return hashUp(hash, level - TILE_HEIGHT * tileLevel, 0);
  };
}

/**
 * Runs `compute` over the tree of `size` leaves held as tiles somewhere else (a database, a log over
 * HTTP): first with a reader that only notes which tiles it asks for, then, with those tiles fetched (each
 * of the width the tree of `size` has), for real. Proofs and roots ask for hashes synchronously; this is
 * how they get them from a store that answers asynchronously.
 */
export async function withTiles<T>(
  size: number,
  fetchTile: (level: number, index: number, width: number) => Promise<Buffer | null>,
  compute: (read: HashReader) => T,
): Promise<T> {
  const wanted = new Set<string>();
  compute((level, index) => {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const first = index * 2 ** (level - TILE_HEIGHT * tileLevel);
    wanted.add(`${tileLevel}/${Math.floor(first / TILE_WIDTH)}`);
    return Buffer.alloc(32);
  });
  const tiles = new Map<string, Buffer>();
  // One after another: a request's transaction runs one statement at a time anyway.
  for (const key of wanted) {
    const [level, index] = key.split('/').map(Number);
    const width = Math.min(TILE_WIDTH, Math.floor(size / TILE_WIDTH ** level) - index * TILE_WIDTH);
    const tile = await fetchTile(level, index, width);
    if (!tile || tile.length !== width * 32) throw new Error(`the audit log's tile ${key} (width ${width}) is missing for a tree of ${size}`);
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

/** The complete subtree at `level`, `index` of a run of hashes (within one tile). */
function hashUp(hash: (i: number) => Buffer, level: number, index: number): Hash {
  if (level === 0) return Buffer.from(hash(index));
  return nodeHash(hashUp(hash, level - 1, 2 * index), hashUp(hash, level - 1, 2 * index + 1));
}

/** An entry bundle: each entry as a big-endian uint16 length and its bytes. */
export function entryBundle(entries: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.length > 0xffff) throw new RangeError('an entry of a bundle is at most 65,535 bytes');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(e.length);
    parts.push(length, e);
  }
  return Buffer.concat(parts);
}

/** The entries of a bundle; throws on one cut short. */
export function parseEntryBundle(bundle: Buffer): Buffer[] {
  const entries: Buffer[] = [];
  for (let at = 0; at < bundle.length;) {
    if (at + 2 > bundle.length) throw new RangeError('an entry bundle ends inside a length');
    const length = bundle.readUInt16BE(at);
    if (at + 2 + length > bundle.length) throw new RangeError('an entry bundle ends inside an entry');
    entries.push(bundle.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries;
}
