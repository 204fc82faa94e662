/**
 * The log's tiles (src/modules/audit/log/tiles.ts): the paths of C2SP tlog-tiles, the tiles of a tree, the
 * way back from tiles to every hash a proof needs, and entry bundles.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, leafHash, memoryTree, rootHash } from '../../src/modules/audit/log/merkle';
import {
  entriesPath,
  entryBundle,
  indexPath,
  parseEntryBundle,
  parseTilePath,
  tileHashes,
  tilePath,
  tileReader,
  tilesAt,
  TILE_WIDTH,
} from '../../src/modules/audit/log/tiles';

describe('tile paths', () => {
  it('write indexes as tlog-tiles does, and read back exactly what they write', () => {
    expect(indexPath(1234067)).toBe('x001/x234/067');
    expect(indexPath(0)).toBe('000');
    expect(indexPath(999)).toBe('999');
    expect(indexPath(1000)).toBe('x001/000');
    expect(tilePath(0, 1234067)).toBe('tile/0/x001/x234/067');
    expect(tilePath(1, 5, 17)).toBe('tile/1/005.p/17');
    expect(entriesPath(273, 112)).toBe('tile/entries/273.p/112');
    for (const [level, index, width] of [
      [0, 0, 256],
      [2, 1234067, 1],
      [63, 999_999_999, 255],
    ] as const)
      expect(parseTilePath(tilePath(level, index, width))).toEqual({ level, index, width });
    expect(parseTilePath(entriesPath(42, 3))).toEqual({ level: 'entries', index: 42, width: 3 });
  });

  it('refuse every other spelling', () => {
    for (const bad of [
      'tile/0/1',
      'tile/0/x000/001',
      'tile/00/001',
      'tile/64/001',
      'tile/0/001.p/0',
      'tile/0/001.p/256',
      'tile/0/001.p/07',
      'tile/0/x1/001',
      'tile/0/001/',
      'tile/data/001',
      '../tile/0/001',
    ])
      expect(parseTilePath(bad), bad).toBeNull();
  });

  it("count a tree's tiles as the specification's example does", () => {
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0 tile of width
    // 112, one full level 1 tile, one partial level 1 tile of width 17, and one partial level 2 tile of width 1"
    expect([0, 1, 2, 3].map((l) => tilesAt(l, 70_000))).toEqual([
      { full: 273, partial: 112 },
      { full: 1, partial: 17 },
      { full: 0, partial: 1 },
      { full: 0, partial: 0 },
    ]);
    expect([0, 1].map((l) => tilesAt(l, 256))).toEqual([
      { full: 1, partial: 0 },
      { full: 0, partial: 1 },
    ]);
  });
});

describe('tiles of a tree', () => {
  const size = 70_000;
  const leaves = Array.from({ length: size }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
  const memory = memoryTree(leaves);
  // The tiles a client fetches for the tree of `size`: full ones, and the partial one of each level.
  const tiles = new Map<string, Buffer>();
  for (let level = 0; level < 3; level++) {
    const { full, partial } = tilesAt(level, size);
    for (let n = 0; n < full; n++) tiles.set(`${level}/${n}`, tileHashes(memory, level, n, TILE_WIDTH));
    if (partial) tiles.set(`${level}/${full}`, tileHashes(memory, level, full, partial));
  }
  const fromTiles = tileReader((level, index) => {
    const tile = tiles.get(`${level}/${index}`);
    if (!tile) throw new Error(`no tile ${level}/${index}`);
    return tile;
  });

  it('hold, level by level, the hashes RFC 9162 defines: a level 1 tile hash is the root of a level 0 tile', () => {
    expect(tiles.get('0/0')!.subarray(0, 32)).toEqual(leaves[0]);
    expect(tiles.get('1/0')!.subarray(32, 64)).toEqual(rootHash(memoryTree(leaves.slice(256, 512)), 256));
    expect(tiles.get('0/273')!.length).toBe(112 * 32);
  });

  it('give the same root and proofs as the whole tree, for sizes across tile edges', () => {
    for (const n of [1, 255, 256, 257, 65_535, 65_536, 65_537, 69_999, 70_000]) {
      // A smaller tree reads the same full tiles; its own partial tiles are the prefix of these.
      expect(rootHash(fromTiles, n).equals(rootHash(memory, n)), `root of ${n}`).toBe(true);
    }
    for (const [m, n] of [
      [0, 70_000],
      [65_536, 70_000],
      [69_999, 70_000],
      [300, 301],
    ] as const) {
      expect(inclusionProof(fromTiles, m, n)).toEqual(inclusionProof(memory, m, n));
      if (m > 0) expect(consistencyProof(fromTiles, m, n)).toEqual(consistencyProof(memory, m, n));
    }
  });
});

describe('entry bundles', () => {
  it('carry each entry with its length, and refuse one cut short', () => {
    const entries = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(300, 1), createHash('sha256').digest()];
    const bundle = entryBundle(entries);
    expect(bundle.readUInt16BE(0)).toBe(1);
    expect(parseEntryBundle(bundle)).toEqual(entries);
    expect(() => parseEntryBundle(bundle.subarray(0, bundle.length - 1))).toThrow(/inside an entry/);
    expect(() => parseEntryBundle(Buffer.from([0]))).toThrow(/inside a length/);
    expect(() => entryBundle([Buffer.alloc(70_000)])).toThrow(/65,535/);
  });
});
