/**
 * How the server answers over HTTP outside GraphQL's own answers: plain
 * responses, JSON errors shaped as GraphQL's (a stable `extensions.code`),
 * and the caller's network address.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RETRY_AFTER_SECONDS } from '../shared/errors';

export type Headers = Record<string, string>;

/** One whole answer, never content-sniffed. */
export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Headers = {}): void {
  res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', ...extra });
  res.end(body);
}

/** An error answer shaped as GraphQL's, for what is refused before (or outside) an operation. */
export const sendError = (res: ServerResponse, status: number, message: string, code: string, extra: Headers = {}) =>
  send(res, status, 'application/json', JSON.stringify({ errors: [{ message, extensions: { code } }] }), extra);

/** A JSON answer of a CSV transfer: never cached, never sniffed. */
export const answerJson = (res: ServerResponse, status: number, body: unknown, extra: Headers = {}) =>
  send(res, status, 'application/json', JSON.stringify(body), { 'cache-control': 'no-store', ...extra });

/** An error answer of a CSV transfer, shaped as GraphQL's. */
export const fail = (res: ServerResponse, status: number, message: string, code: string, extra: Headers = {}) =>
  answerJson(res, status, { errors: [{ message, extensions: { code } }] }, extra);

export const BUSY = `The server is busy; try again in ${RETRY_AFTER_SECONDS} seconds.`;

/** The client's address: the socket's, or the one `trustProxy` proxies in front of us saw (X-Forwarded-For, counted from the right). */
export const clientAddressOf =
  (trustProxy: number) =>
  (req: IncomingMessage): string => {
    const socket = req.socket.remoteAddress ?? 'unknown';
    if (trustProxy === 0) return socket;
    const hops = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    return hops[hops.length - trustProxy] ?? hops[0] ?? socket;
  };
