/**
 * Idempotent retries (issue 32, item 4): a request with mutations (a GraphQL POST, or `POST /import/<list>.csv`)
 * may carry `Idempotency-Key` (the IETF draft's header; Stripe's semantics). The key and the answer are stored
 * in the mutation's own transaction (see the idempotency_keys migration), so:
 *
 * - a retry of the same request gets the committed answer again, marked `Idempotent-Replayed: true`, and
 *   writes nothing — also after the server died between its commit and its answer;
 * - the same key with another request (document, operation name or variables) is refused: 422,
 *   `IDEMPOTENCY_KEY_REUSED`;
 * - the same key while its first request still runs: 409, `CONFLICT` — try again once it has answered;
 * - a mutation that failed stored nothing (it changed nothing), so its retry simply runs again.
 *
 * Keys are the caller's own (per account) and live 24 hours. Queries are idempotent already: a key on one is
 * ignored. An anonymous caller (a login) has no keys.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context } from '../context';
import { AppError, ErrorCode } from '../shared/errors';

const HEADER = 'idempotency-key';
/** The draft's keys are short opaque strings: a UUID, a ULID, a hash. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's key: undefined when it sends none, or an error to answer with 400. */
export function idempotencyKeyOf(req: IncomingMessage): string | undefined | AppError {
  const sent = req.headers[HEADER];
  if (sent === undefined) return undefined;
  if (Array.isArray(sent) || !KEY.test(sent))
    return new AppError(ErrorCode.BAD_REQUEST, 'Idempotency-Key is one value of 1 to 255 visible ASCII characters (a UUID will do).', {
      http: { status: 400 },
    });
  return sent;
}

/** JSON with object keys in order: the same variables hash the same however the client ordered them. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/**
 * Claims the key for this operation, in its transaction: afterwards `ctx.lane.idempotency` says whether to run it
 * (and keep its answer) or to answer the stored one. Throws for a key in use by another request or still running.
 */
export async function claimKey(ctx: Context, source: string, operationName: string | null, variables: Record<string, unknown>): Promise<void> {
  const key = ctx.lane.idempotencyKey;
  if (!key || !ctx.viewer) return;
  const hash = createHash('sha256')
    .update(canonical([source, operationName, variables]))
    .digest('hex');
  const [{ found }] = await ctx.em.execute<{ found: { state: string; answer?: { status: number; result: Record<string, unknown> } } }[]>(
    'select sinergi_idempotency_begin(?, ?) as found',
    [key, hash],
  );
  if (found.state === 'running')
    throw new AppError(ErrorCode.CONFLICT, 'A request with this Idempotency-Key is still running: wait for its answer, then retry with the same key.', {
      http: { status: 409 },
    });
  if (found.state === 'mismatch')
    throw new AppError(
      ErrorCode.IDEMPOTENCY_KEY_REUSED,
      'This Idempotency-Key was used within the last 24 hours for a different request: use a new key for a new request.',
      { http: { status: 422 } },
    );
  ctx.lane.idempotency = found.state === 'replay' && found.answer ? { replay: found.answer } : { key, hash };
}

/** Keeps the operation's answer with its key, in its transaction, just before it commits. */
export async function keepAnswer(ctx: Context, status: number, result: Record<string, unknown>): Promise<void> {
  const claimed = ctx.lane.idempotency;
  if (!claimed || !('key' in claimed)) return;
  await ctx.em.execute('select sinergi_idempotency_end(?, ?, ?::jsonb)', [claimed.key, claimed.hash, JSON.stringify({ status, result })]);
}
