/**
 * CORS for the origins in CORS_ORIGINS, without credentials (tokens travel in the Authorization header,
 * never in cookies): their responses may be read by the page, and their preflights are answered. Any
 * other origin gets no CORS header, so a browser keeps the answer from its page; Apollo's CSRF prevention
 * still refuses simple requests that could have been sent without a preflight.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Adds a request header the response depends on to its `Vary`, beside any already named. */
export function varyOn(res: ServerResponse, header: string): void {
  const current = res.getHeader('vary');
  res.setHeader('vary', current ? `${String(current)}, ${header}` : header);
}

type Send = (res: ServerResponse, status: number, type: string, body: string) => void;

/** The CORS step of a request: true when it answered (a preflight, or a refused origin's). */
export function corsFor(origins: readonly string[], send: Send) {
  const allowedOrigins = new Set(origins);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    const allowed = typeof origin === 'string' && allowedOrigins.has(origin);
    if (allowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
    }
    if (allowedOrigins.size) varyOn(res, 'origin');
    if (req.method !== 'OPTIONS') return false;
    if (!allowed) {
      send(
        res,
        403,
        'application/json',
        JSON.stringify({ errors: [{ message: 'This origin may not call the API (CORS_ORIGINS).', extensions: { code: 'FORBIDDEN' } }] }),
      );
      return true;
    }
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type, authorization, apollo-require-preflight, x-apollo-operation-name, x-request-id',
      'access-control-max-age': '600',
    });
    res.end();
    return true;
  };
}
