/**
 * The one errors module. Every error a client can see has a stable
 * `extensions.code`; anything else is turned into INTERNAL_SERVER_ERROR by
 * `formatError` without its message or stack.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  TOO_MANY_REQUESTS = 'TOO_MANY_REQUESTS',
  /** The request itself is malformed or too large (HTTP 400 or 413): document size, token count. */
  BAD_REQUEST = 'BAD_REQUEST',
  /** The operation ran past its time budget (the request's statement timeout). */
  TIMEOUT = 'TIMEOUT',
  /** This mutation ran, but another mutation of the same request failed, so neither took effect. */
  ROLLED_BACK = 'ROLLED_BACK',
  /** The document names no single operation to run (several and no `operationName`, or a name it lacks). */
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  /** A client app that runs its registered documents only sent a document as text (HTTP 400). */
  TRUSTED_DOCUMENT_REQUIRED = 'TRUSTED_DOCUMENT_REQUIRED',
  /** A `documentId` the calling app has not registered (HTTP 400). */
  TRUSTED_DOCUMENT_NOT_FOUND = 'TRUSTED_DOCUMENT_NOT_FOUND',
  /** An `Idempotency-Key` already used, within a day, for a different request (HTTP 422). */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  /** A `changes` cursor older than the retention: read the lists again, then subscribe from now. */
  CURSOR_EXPIRED = 'CURSOR_EXPIRED',
  /** The database cannot be reached right now (HTTP 503 with Retry-After). */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

/** A field-level problem; `field` is the input path the client can highlight, e.g. `input.nik`. */
export const badUserInput = (message: string, field: string, extra: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, { field, ...extra });

/** Why a request identifies nobody, as `extensions.reason` of its UNAUTHENTICATED error. */
export type AuthProblem = 'MISSING_TOKEN' | 'INVALID_TOKEN' | 'TOKEN_EXPIRED' | 'SESSION_ENDED';

const AUTH_MESSAGES: Record<AuthProblem, string> = {
  MISSING_TOKEN: 'Log in first: send a token as "Authorization: Bearer <token>".',
  INVALID_TOKEN: 'The token is not valid: it is malformed or was not signed by this server. Log in again.',
  TOKEN_EXPIRED: 'The token has expired: get a new one with refreshToken, or log in again.',
  SESSION_ENDED: 'The session behind this token has ended (logged out, expired, or the account was changed or locked): log in again.',
};

export const unauthenticated = (reason: AuthProblem = 'MISSING_TOKEN') => new AppError(ErrorCode.UNAUTHENTICATED, AUTH_MESSAGES[reason], { reason });

export const forbidden = (message = 'Your role or ministry may not do this.', rule?: string, field?: string) =>
  new AppError(ErrorCode.FORBIDDEN, message, { ...(rule ? { rule } : {}), ...(field ? { field } : {}) });

/**
 * For writes to a row outside the caller's write scope. The same answer is
 * given whether the row belongs to another ministry or does not exist at all,
 * so a write never reveals that a foreign record exists.
 */
export const notWritable = (field = 'id') =>
  new AppError(ErrorCode.FORBIDDEN, 'No record with this id that your ministry may change.', { field, rule: 'write-scope:own-ministry' });

/**
 * The document names no operation to run: several operations and no
 * `operationName`, or an `operationName` the document does not define
 * (GraphQL-over-HTTP: a request error, 400).
 */
export function operationNotResolved(operationNames: readonly (string | null)[], operationName: string | null | undefined): AppError {
  const named = operationNames.filter((n): n is string => !!n);
  const message = operationName
    ? `The document has no operation named "${operationName}"${named.length ? `: it defines ${named.map((n) => `"${n}"`).join(', ')}` : ''}.`
    : `The document defines ${operationNames.length} operations: say which one to run in "operationName".`;
  return new AppError(ErrorCode.OPERATION_RESOLUTION_FAILURE, message, { field: 'operationName', http: { status: 400 } });
}

export const notFound = (field = 'id') => new AppError(ErrorCode.NOT_FOUND, 'No such record.', { field });

export const conflict = (message: string, field?: string) => new AppError(ErrorCode.CONFLICT, message, field ? { field } : {});
/** The row changed since the caller read it (its version moved on). */
export const staleVersion = () => conflict('The record was changed by someone else meanwhile; read it again.', 'expectedVersion');

// INTERNAL_SERVER_ERROR is not here: Apollo gives that code to every unexpected error, whose message must not leak.
const PASS_THROUGH: ReadonlySet<string> = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.TOO_MANY_REQUESTS,
  ErrorCode.TIMEOUT,
  ErrorCode.ROLLED_BACK,
  ErrorCode.SERVICE_UNAVAILABLE,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  ErrorCode.OPERATION_RESOLUTION_FAILURE,
  ErrorCode.TRUSTED_DOCUMENT_REQUIRED,
  ErrorCode.TRUSTED_DOCUMENT_NOT_FOUND,
  ErrorCode.IDEMPOTENCY_KEY_REUSED,
  ErrorCode.CURSOR_EXPIRED,
]);

/** Every `extensions.code` a client can get (docs/clients.md lists each). */
export const CLIENT_ERROR_CODES: readonly string[] = [...PASS_THROUGH, ErrorCode.INTERNAL_SERVER_ERROR];

export const ROLLED_BACK_MESSAGE = 'Not applied: another mutation of this request failed, and the mutations of one request take effect together or not at all.';

/** A mutation not run because an earlier one of the same request failed. */
export const notRun = () => new AppError(ErrorCode.ROLLED_BACK, 'Not run: an earlier mutation of this request failed, so none of them takes effect.');

/**
 * An operation's mutations are one transaction: when one fails, those that had
 * already answered are rolled back with it. Their answers become null, each
 * with a ROLLED_BACK error at its path, so no client reads the id of a row that
 * was never stored. `typenameKeys` are the response keys of `__typename`, which
 * stay (they are non-null and say nothing of what took effect).
 */
export function undoAnswers(
  result: { data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] },
  typenameKeys: ReadonlySet<string> = new Set(),
): void {
  if (!result.data) return;
  const undone: GraphQLFormattedError[] = [];
  for (const [key, value] of Object.entries(result.data)) {
    if (value === null || typenameKeys.has(key)) continue;
    result.data[key] = null;
    undone.push({
      message: ROLLED_BACK_MESSAGE,
      path: [key],
      extensions: { code: ErrorCode.ROLLED_BACK },
    });
  }
  if (undone.length) result.errors = [...(result.errors ?? []), ...undone];
}

/** Seconds a client should wait before trying again while the database is away. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Whether `e` says the database cannot be reached (refused or dropped
 * connections, a server shutting down or starting up, no connection to be
 * had from the pool), as opposed to a query it refused.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  type Chained = { code?: unknown; message?: unknown; originalError?: Chained; cause?: Chained; previous?: Chained } | null | undefined;
  for (let x = e as Chained, depth = 0; x && depth < 5; x = x.originalError ?? x.cause ?? x.previous, depth++) {
    const code = String(x.code ?? '');
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03'].includes(code) || code.startsWith('08')) return true;
    if (
      /Connection terminated|connect ECONNREFUSED|Timeout acquiring a connection|the database system is (starting up|shutting down|in recovery mode)|terminating connection|Client has encountered a connection error|Connection ended unexpectedly/i.test(
        String(x.message ?? ''),
      )
    )
      return true;
  }
  return false;
}

export const serviceUnavailable = () =>
  new AppError(ErrorCode.SERVICE_UNAVAILABLE, `The database is unavailable right now; try again in ${RETRY_AFTER_SECONDS} seconds.`, { http: { status: 503 } });

/**
 * An error message without graphql-js's "Did you mean …?" hints, which name
 * fields, arguments, types and enum values of the schema: where introspection
 * is off, a hint would hand the schema out one guess at a time.
 */
export const withoutSuggestions = (message: string) => message.replace(/\s*Did you mean [^?]*\?/g, '');

/**
 * Apollo's `formatError`: known codes pass (without stack traces), input
 * validation from type-graphql is reshaped to BAD_USER_INPUT naming the field,
 * and anything unexpected is reported as INTERNAL_SERVER_ERROR with no detail.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, onInternal?: (e: unknown) => void): GraphQLFormattedError {
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  const validation = findValidationErrors(original);
  if (validation) {
    const fields = validation.flatMap((e) => flattenValidation([e], argumentPrefix(e)));
    const first = fields[0];
    return {
      message: first ? `${first.field}: ${first.message}` : 'Invalid input.',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.BAD_USER_INPUT, field: first?.field, fields },
    };
  }
  const code = formatted.extensions?.code as string | undefined;
  // graphql-js's own errors about the request (e.g. a null for a non-null argument) have no cause
  // behind them: they describe the client's input, in words safe to show.
  if (error instanceof GraphQLError && !error.originalError && (!code || code === ErrorCode.INTERNAL_SERVER_ERROR)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  if (code !== ErrorCode.SERVICE_UNAVAILABLE && isDatabaseUnavailable(original)) {
    return { message: serviceUnavailable().message, locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
  }
  // PostgreSQL's statement timeout (57014): the operation outran its budget, which is the caller's to shrink.
  if ((original as { code?: string })?.code === '57014') {
    return {
      message: 'The operation ran past its time budget and was stopped; ask for less at once.',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.TIMEOUT },
    };
  }
  // PostgreSQL refusing a value as data (class 22: too long, out of range, not UTF-8, …): the input guard
  // should have caught it first, but it is the caller's value either way, never an internal error.
  if (/^22[0-9A-Z]{3}$/.test(String((original as { code?: string })?.code ?? ''))) {
    return {
      message: 'A value is not acceptable here (too long, out of range or not valid text).',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.BAD_USER_INPUT },
    };
  }
  if (code && PASS_THROUGH.has(code)) {
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  onInternal?.(original);
  return { message: 'Internal server error.', locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

interface ValidationErrorLike {
  property: string;
  target?: object;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

/** type-graphql's ArgumentValidationError carries class-validator's errors in its extensions. */
function findValidationErrors(e: unknown): ValidationErrorLike[] | undefined {
  const errs = (e as { extensions?: { validationErrors?: unknown } })?.extensions?.validationErrors;
  return Array.isArray(errs) && errs.length > 0 ? (errs as ValidationErrorLike[]) : undefined;
}

/**
 * Mutation inputs arrive as one argument named `input` (an `…Input` class);
 * list arguments (`…Args` classes) are flat, so their properties are the
 * argument names themselves.
 */
function argumentPrefix(e: ValidationErrorLike): string {
  return e.target?.constructor.name.endsWith('Input') ? 'input' : '';
}

function flattenValidation(errors: ValidationErrorLike[], prefix: string): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidation(e.children ?? [], field)];
  });
}
