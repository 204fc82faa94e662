/**
 * CSV uploads: `POST /import/<list>.csv[?mode=GOOD_ROWS_ONLY]` with the bearer
 * token and the file as the body (`text/csv`) imports it, and answers the
 * import's report as JSON (issue 29).
 *
 * The file streams in within its own limit, checked chunk by chunk, and only
 * from a live session: a GraphQL body can then stay small for everyone. The
 * import itself is `importCsv` run as the caller (`run`): the same columns,
 * checks, shield rule, time budget, report and audit event, because it is
 * that mutation. The export's layout (`GET /export/<list>.csv`) is the
 * import's, so a ministry's own download comes back unchanged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyRefused, readBody } from './request-body';
import { TRANSFER_STATUS, type GraphQLPage, type RunOperation } from './export-csv';
import { answerJson, fail } from './http';
import { idempotencyKeyOf } from './idempotency';
import { AppError } from '../shared/errors';

/** The most a CSV upload may hold: some 500,000 rows of the widest layout. */
export const IMPORT_MAX_BYTES = 64 * 1024 * 1024;

/** The import kind of each list that can be uploaded: `institutions` → `INSTITUTIONS`. */
export function importLists(kinds: readonly string[]): Map<string, string> {
  return new Map(kinds.map((kind) => [kind.toLowerCase(), kind]));
}

/** Answers `POST /import/<list>.csv`; `signedIn` says whether the caller's session is live. */
export async function importCsvUpload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  lists: Map<string, string>,
  signedIn: boolean,
  run: RunOperation,
  requestId: string,
): Promise<void> {
  const name = /^\/import\/([A-Za-z]+)\.csv$/.exec(url.pathname)?.[1];
  const kind = name ? lists.get(name.toLowerCase()) : undefined;
  if (!kind) return fail(res, 404, `No such import. Lists: ${[...lists.keys()].map((l) => `/import/${l}.csv`).join(', ')}.`, 'NOT_FOUND');
  if (req.method !== 'POST') return fail(res, 405, 'A file is imported with POST, the CSV as the body.', 'BAD_REQUEST', { allow: 'POST' });
  // Before a byte of the file is read: an upload is a signed-in caller's, with a session still live.
  const key = idempotencyKeyOf(req);
  if (key instanceof AppError) return fail(res, 400, key.message, 'BAD_REQUEST', { connection: 'close' });
  if (!signedIn) return fail(res, 401, 'Log in first: send a token as "Authorization: Bearer <token>".', 'UNAUTHENTICATED', { connection: 'close' });
  const mode = url.searchParams.get('mode') ?? 'ALL_OR_NOTHING';
  if (mode !== 'ALL_OR_NOTHING' && mode !== 'GOOD_ROWS_ONLY') return fail(res, 400, 'mode is ALL_OR_NOTHING or GOOD_ROWS_ONLY.', 'BAD_REQUEST');
  let csv: string;
  try {
    csv = await readBody(req, { bytes: IMPORT_MAX_BYTES, depth: 0, containers: 0 }, false, `The file is larger than ${IMPORT_MAX_BYTES} bytes: split it.`);
  } catch (e) {
    if (!(e instanceof BodyRefused)) throw e;
    return fail(res, e.status, e.message, 'BAD_REQUEST', { connection: 'close' });
  }
  const query = `mutation Import($kind: ImportKind!, $csv: String!, $mode: ImportMode) {
    importCsv(kind: $kind, csv: $csv, mode: $mode) { total created updated unchanged failed skipped written errors { line field message } skips { line field message } }
  }`;
  const page: GraphQLPage | null = await run({ query, variables: { kind, csv, mode } });
  if (!page) return fail(res, 503, 'The server is busy; try again shortly.', 'SERVICE_UNAVAILABLE', { 'retry-after': '5', 'x-request-id': requestId });
  const code = page.errors?.[0]?.extensions?.code;
  const { replayed, ...answer } = page;
  answerJson(res, code ? (TRANSFER_STATUS[code] ?? 500) : 200, answer, { 'x-request-id': requestId, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) });
}
