/**
 * The audit log over HTTP, as C2SP tlog-tiles lays it out: `GET /audit/log/checkpoint` (the newest signed
 * checkpoint with its witnesses' cosignatures; `?witnesses=<k>`: the newest that k witnesses cosigned),
 * `GET /audit/log/tile/<L>/<N>[.p/<W>]` and `GET /audit/log/tile/entries/<N>[.p/<W>]` (tiles and entry
 * bundles, immutable), `GET /audit/log/key` (the log's verifier key), and `POST /audit/log/cosignature`
 * (a registered witness's cosigned checkpoint). Public: the tree holds no personal value, and anyone may
 * check it; a cosignature proves itself with its witness's registered key.
 *
 * Anyone may ask, so a request costs the database as little as possible: a tile beyond the newest
 * checkpoint is refused from memory, a tile read once is kept (tiles never change), and the newest
 * checkpoint is read at most once a second.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import type { AuditLog } from '../modules/audit/log/audit-log';
import { acceptCosignatures } from '../modules/audit/log/cosignatures';
import { onConnection, readEntries, readTile } from '../modules/audit/log/log-store';
import { parseTilePath, TILE_WIDTH, type TileAddress } from '../modules/audit/log/tiles';
import { send, sendError } from './http';
import { BodyRefused, readBody } from './request-body';

export const AUDIT_LOG_PREFIX = '/audit/log/';

/** A cosigned checkpoint is a few lines: a note with one or a few signatures. */
const COSIGNATURE_LIMITS = { bytes: 16 * 1024, depth: 0, containers: 0 };
const TILE_CACHE_BYTES = 64 * 1024 * 1024;
const TEXT = 'text/plain; charset=utf-8';

const REFUSED_STATUS = { malformed: 400, origin: 400, signature: 403, unregistered: 403, 'unknown-checkpoint': 404 } as const;

/** Whether the tree of `size` leaves holds the whole of `tile` (its last hash or entry). */
function within(tile: TileAddress, size: number): boolean {
  const level = tile.level === 'entries' ? 0 : tile.level;
  return (tile.index * TILE_WIDTH + tile.width) * TILE_WIDTH ** level <= size;
}

export function auditLogHttp(orm: MikroORM, log: AuditLog) {
  const tiles = new LRUCache<string, Buffer>({ maxSize: TILE_CACHE_BYTES, sizeCalculation: (b) => b.length + 64 });

  async function tile(res: ServerResponse, path: string): Promise<void> {
    const address = parseTilePath(path);
    if (!address) return sendError(res, 404, 'No such resource of the audit log: see docs/audit.md for its paths.', 'NOT_FOUND');
    let body = tiles.get(path);
    if (!body) {
      const { size } = await log.checkpoint();
      if (!within(address, size)) return sendError(res, 404, 'The log has no such tile yet.', 'NOT_FOUND', { 'cache-control': 'no-store' });
      const sql = onConnection(orm.em.getConnection());
      const read =
        address.level === 'entries' ? await readEntries(sql, address.index, address.width) : await readTile(sql, address.level, address.index, address.width);
      if (!read) throw new Error(`the audit log's tile ${path} is missing from a signed tree of ${size}`);
      tiles.set(path, (body = read));
    }
    send(res, 200, 'application/octet-stream', body, { 'cache-control': 'public, max-age=31536000, immutable' });
  }

  async function checkpoint(res: ServerResponse, url: URL): Promise<void> {
    const asked = url.searchParams.get('witnesses');
    const quorum = asked === null ? 0 : Number(asked);
    if (!Number.isInteger(quorum) || quorum < 0 || quorum > 100) return sendError(res, 400, 'witnesses is a whole number from 0 to 100.', 'BAD_USER_INPUT');
    const published = await log.published(quorum);
    if (!published) return sendError(res, 404, `No checkpoint is cosigned by ${quorum} witnesses yet.`, 'NOT_FOUND', { 'cache-control': 'no-store' });
    // Mutable: a client asks again for a newer one within seconds.
    send(res, 200, TEXT, published.note, { 'cache-control': 'no-cache, max-age=1' });
  }

  async function cosignature(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let posted: string;
    try {
      posted = await readBody(req, COSIGNATURE_LIMITS, false, 'A cosigned checkpoint is at most 16 KiB.');
    } catch (e) {
      if (e instanceof BodyRefused) return sendError(res, e.status, e.message, 'BAD_REQUEST', { connection: 'close' });
      throw e;
    }
    const outcome = await acceptCosignatures(onConnection(orm.em.getConnection()), log.origin, posted);
    if ('refused' in outcome) {
      const code =
        outcome.refused === 'unregistered' || outcome.refused === 'signature'
          ? 'FORBIDDEN'
          : outcome.refused === 'unknown-checkpoint'
            ? 'NOT_FOUND'
            : 'BAD_USER_INPUT';
      return sendError(res, REFUSED_STATUS[outcome.refused], outcome.message, code);
    }
    log.cosigned();
    send(res, 200, TEXT, `accepted: ${outcome.accepted.join(', ')} for size ${outcome.checkpoint.size}\n`, { 'cache-control': 'no-store' });
  }

  return async function serveAuditLog(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice(AUDIT_LOG_PREFIX.length);
    if (path === 'cosignature') {
      if (req.method !== 'POST') return sendError(res, 405, 'A cosignature is posted.', 'BAD_REQUEST', { allow: 'POST' });
      return cosignature(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'The audit log is read with GET.', 'BAD_REQUEST', { allow: 'GET, HEAD' });
    // The current key first; after a rotation, the earlier ones, whose checkpoints still verify.
    if (path === 'key')
      return send(res, 200, TEXT, [log.verifierKey, ...log.previousKeys].map((k) => `${k}\n`).join(''), { 'cache-control': 'public, max-age=3600' });
    if (path === 'checkpoint') return checkpoint(res, url);
    return tile(res, path);
  };
}
