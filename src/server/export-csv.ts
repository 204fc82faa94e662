/**
 * CSV downloads: `GET /export/<list>.csv?filter=<JSON>&orderBy=<JSON>` with
 * the bearer token streams a root list as `text/csv`, as an attachment.
 *
 * The file is read page by page through the list's own GraphQL field, each
 * page one operation of the caller's (`run`): the same token checks, shield
 * rule, argument validation, scope, masking and read log as the list in
 * GraphQL, because it is that list. One page (1,000 rows) is in memory at a
 * time and the next is read only once the client has taken the last, so a
 * file of any length costs the same memory. Cells are written in the
 * resource's one column layout (resource/csv-layout.ts), so a ministry's own
 * export re-imports unchanged, with formulas neutralised (csv-safety.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { stringify } from 'csv-stringify/sync';
import { getNamedType, isObjectType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { Resource } from '../resource/resource';
import { formatCell, OWNER_COLUMN, referenceOf } from '../resource/csv-layout';
import { neutraliseCell } from '../shared/csv-safety';
import { acceptedEncoding } from './compression';
import { MAX_PAGE } from '../shared/pagination';
import { fail } from './http';

type Node = Record<string, unknown>;
interface Column {
  header: string;
  selection: string;
  cell(node: Node): unknown;
}
export interface GraphQLPage {
  data?: Record<string, { edges?: { node: Node }[] | null; pageInfo: { hasNextPage: boolean; endCursor: string | null } } | null> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
  /** The answer is a committed one given again for a retried Idempotency-Key (idempotency.ts). */
  replayed?: boolean;
}
/** Runs one operation as the caller; null when the server is too busy to take it. */
export type RunOperation = (body: { query: string; variables: Record<string, unknown> }) => Promise<GraphQLPage | null>;

/** The GraphQL selection and the cell of each column of a resource's layout. */
function columnsOf(type: GraphQLObjectType, headers: readonly string[]): Column[] {
  const fields = type.getFields();
  return headers.map((header) => {
    if (header === OWNER_COLUMN) return { header, selection: 'ownerMinistry { code }', cell: (n) => (n.ownerMinistry as Node | null)?.code };
    const ref = referenceOf(header, (f) => !!fields[f] && isObjectType(getNamedType(fields[f].type)));
    if (ref) return { header, selection: `${ref.field} { ${ref.by} }`, cell: (n) => (n[ref.field] as Node | null)?.[ref.by] };
    const field = fields[header];
    if (!field) throw new Error(`CSV column ${type.name}.${header} is not a field of the list`);
    if (isObjectType(getNamedType(field.type))) return { header, selection: `${header} { id }`, cell: (n) => (n[header] as Node | null)?.id };
    return { header, selection: header, cell: (n) => n[header] };
  });
}

export interface ExportList {
  list: string;
  filterType: string;
  orderType: string;
  columns: Column[];
}

/** The lists that can be downloaded, by list name, from the resources and the schema. */
export function exportLists(schema: GraphQLSchema, resources: readonly Resource[]): Map<string, ExportList> {
  const out = new Map<string, ExportList>();
  const query = schema.getQueryType();
  for (const r of resources) {
    const field = r.list && query?.getFields()[r.list.name];
    const type = schema.getType(r.name);
    if (!r.list || !field || !isObjectType(type)) continue;
    const arg = (name: string) => String(field.args.find((a) => a.name === name)?.type ?? '');
    out.set(r.list.name, { list: r.list.name, filterType: arg('filter'), orderType: arg('orderBy'), columns: columnsOf(type, r.list.csvHeaders) });
  }
  return out;
}

/** The HTTP status of a list's or an import's error code, for CSV transfers (export-csv.ts, import-csv.ts). */
export const TRANSFER_STATUS: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  TOO_MANY_REQUESTS: 429,
  TIMEOUT: 503,
  SERVICE_UNAVAILABLE: 503,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
};

/** How long a download waits for its reader to take the last page (a test shortens it). */
export const downloadIdle = { ms: 30_000 };

/**
 * Starts a download's answer: 200 with the file's type and name, compressed as the client accepts. The stream
 * to write it to.
 */
export function openDownload(req: IncomingMessage, res: ServerResponse, type: string, filename: string, requestId: string): NodeJS.WritableStream {
  const encoding = acceptedEncoding(req.headers['accept-encoding']);
  res.writeHead(200, {
    'content-type': type,
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
    vary: 'accept-encoding',
    ...(encoding ? { 'content-encoding': encoding } : {}),
  });
  if (!encoding) return res;
  const compressor = encoding === 'br' ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }) : zlib.createGzip();
  compressor.pipe(res);
  return compressor;
}

/** Whether the client took what was written (or went away) within `downloadIdle`: false when it stopped reading. */
export async function drained(out: NodeJS.WritableStream, res: ServerResponse): Promise<boolean> {
  const idle = new AbortController();
  const timer = setTimeout(() => idle.abort(), downloadIdle.ms);
  try {
    await Promise.race([once(out, 'drain', { signal: idle.signal }), once(res, 'close', { signal: idle.signal })]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    idle.abort();
  }
}

/** Answers `GET /export/<list>.csv`. */
export async function exportCsv(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  lists: Map<string, ExportList>,
  run: RunOperation,
  requestId: string,
): Promise<void> {
  const name = /^\/export\/([A-Za-z]+)\.csv$/.exec(url.pathname)?.[1];
  const list = name ? lists.get(name) : undefined;
  if (!list) return fail(res, 404, `No such export. Lists: ${[...lists.keys()].map((l) => `/export/${l}.csv`).join(', ')}.`, 'NOT_FOUND');
  if (req.method !== 'GET') return fail(res, 405, 'Exports are read with GET.', 'BAD_REQUEST', { allow: 'GET' });
  const variables: Record<string, unknown> = {};
  for (const arg of ['filter', 'orderBy']) {
    const raw = url.searchParams.get(arg);
    if (raw === null) continue;
    try {
      variables[arg] = JSON.parse(raw);
    } catch {
      return fail(
        res,
        400,
        `${arg} is not JSON, e.g. ${arg === 'filter' ? '{"provinceCode":"35"}' : '{"field":"CREATED_AT","direction":"DESC"}'}.`,
        'BAD_REQUEST',
      );
    }
  }
  const query = `query Export($filter: ${list.filterType.replace(/!$/, '')}, $orderBy: ${list.orderType.replace(/!$/, '')}, $after: String) {
    ${list.list}(first: ${MAX_PAGE}, after: $after, filter: $filter, orderBy: $orderBy) {
      edges { node { ${list.columns.map((c) => c.selection).join(' ')} } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  let out: NodeJS.WritableStream | null = null;
  let after: string | null = null;
  for (;;) {
    // A client that went away stops the export: no further page is read for nobody.
    if (res.destroyed) return;
    const page = await run({ query, variables: { ...variables, after } });
    const error = !page ? { message: 'The server is busy; try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' } } : page.errors?.[0];
    const connection = page?.data?.[list.list];
    if (error || !connection) {
      // Before the first byte, the caller gets the error as the list would give it; after, the download is cut
      // off, so a client never mistakes a part for the whole.
      if (!out)
        return fail(
          res,
          TRANSFER_STATUS[error?.extensions?.code ?? ''] ?? 500,
          error?.message ?? 'Internal server error.',
          error?.extensions?.code ?? 'INTERNAL_SERVER_ERROR',
        );
      res.destroy(new Error(`export ${list.list} failed after the first page: ${error?.message ?? 'no data'}`));
      return;
    }
    if (!out) {
      out = openDownload(req, res, 'text/csv; charset=utf-8', `${list.list}.csv`, requestId);
      out.write(stringify([list.columns.map((c) => c.header)]));
    }
    const rows = (connection.edges ?? []).map((e) => list.columns.map((c) => neutraliseCell(formatCell(c.cell(e.node)))));
    // Wait for the client to take this page before reading the next; a reader that stops reading is let go.
    if (rows.length && !out.write(stringify(rows)) && !(await drained(out, res))) {
      res.destroy(new Error(`export ${list.list}: the client took nothing for ${downloadIdle.ms} ms`));
      return;
    }
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) break;
    after = connection.pageInfo.endCursor;
  }
  out.end();
}
