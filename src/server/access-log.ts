/**
 * The access log: one line per HTTP request (pino-http), written when the
 * response is finished, with the request id, method and path, status and
 * duration, and for GraphQL the operation's name and type, the caller's
 * account and ministry, and the error codes of the answer. Never personal
 * data: no query string (a GET carries the query and its variables there),
 * no headers, no body, no variables.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** What a request turned out to be, beyond its HTTP (GraphQL: the operation, the caller, the error codes). */
export type AccessNote = object;

const notes = new WeakMap<IncomingMessage, AccessNote>();

/** What the request's access line says beyond its HTTP (GraphQL sets it once its answer is ready). */
export function noteAccess(req: IncomingMessage, note: AccessNote): void {
  notes.set(req, note);
}

/** The request's id: the client's `X-Request-Id` (at most 100 characters) or a fresh uuid; also sent back. */
function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = (typeof given === 'string' && given.trim().slice(0, 100)) || randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/** The id `accessLog` gave the request. */
export const requestIdOf = (req: IncomingMessage): string => String((req as IncomingMessage & { id?: unknown }).id);

/** Logs each request handed to it once its response is finished (or the client went away). */
export function accessLog(log: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  const middleware = pinoHttp({
    logger: log,
    genReqId: requestIdFor,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'ms' },
    quietReqLogger: true,
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage) => ({ method: req.method, path: (req.url ?? '').split('?')[0] }),
      res: (res: ServerResponse) => ({ status: res.statusCode }),
    },
    // Undefined until there is something to add: pino-http then makes no child logger for it (it asks at the
    // request's start too, when there never is).
    customProps: (req) => notes.get(req) as object,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
  });
  return (req, res) => middleware(req, res);
}
