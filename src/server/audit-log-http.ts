/**
 * The audit log over HTTP, as C2SP tlog-tiles lays it out: `GET /audit/log/checkpoint` (the newest signed
 * checkpoint), `GET /audit/log/tile/<L>/<N>[.p/<W>]` and `GET /audit/log/tile/entries/<N>[.p/<W>]` (tiles
 * and entry bundles, immutable), and `GET /audit/log/key` (the log's verifier key). Public: the tree holds
 * no personal value, and anyone may check it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { AuditLog } from '../modules/audit/log/audit-log';
import { onConnection, readEntries, readTile } from '../modules/audit/log/log-store';
import { parseTilePath } from '../modules/audit/log/tiles';
import { send, sendError } from './http';

export const AUDIT_LOG_PREFIX = '/audit/log/';

export async function serveAuditLog(req: IncomingMessage, res: ServerResponse, pathname: string, orm: MikroORM, log: AuditLog): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'The audit log is read with GET.', 'BAD_REQUEST', { allow: 'GET, HEAD' });
  const path = pathname.slice(AUDIT_LOG_PREFIX.length);
  if (path === 'key') return send(res, 200, 'text/plain; charset=utf-8', `${log.verifierKey}\n`, { 'cache-control': 'public, max-age=3600' });
  if (path === 'checkpoint') {
    const { note } = await log.checkpoint();
    // Mutable: a client asks again for a newer one within seconds.
    return send(res, 200, 'text/plain; charset=utf-8', note, { 'cache-control': 'no-cache, max-age=1' });
  }
  const tile = parseTilePath(path);
  if (!tile) return sendError(res, 404, 'No such resource of the audit log: see docs/audit.md for its paths.', 'NOT_FOUND');
  const sql = onConnection(orm.em.getConnection());
  const body = tile.level === 'entries' ? await readEntries(sql, tile.index, tile.width) : await readTile(sql, tile.level, tile.index, tile.width);
  if (!body) return sendError(res, 404, 'The log has no such tile yet.', 'NOT_FOUND', { 'cache-control': 'no-store' });
  send(res, 200, 'application/octet-stream', body, { 'cache-control': 'public, max-age=31536000, immutable' });
}
