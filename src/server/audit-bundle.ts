/**
 * `GET /audit/bundle?from=&to=&witnesses=&since=` (AUDITOR, bearer token): a range of the audit log's
 * entries with their contents, and what proves them against a signed checkpoint — the file
 * `clients/audit-verify` checks offline. JSON lines: the head (verify.ts `BundleHead`: the checkpoint,
 * the subtrees around the range, the consistency proof), then one line per entry (`BundleEntry`).
 *
 * - `from`, `to`: entries [from, to) by leaf index, or by the date or time they were taken into the tree
 *   (default: the whole tree);
 * - `witnesses`: the checkpoint must be cosigned by that many registered witnesses (default 0: the newest);
 * - `since`: the size of a checkpoint the auditor kept: the bundle carries the consistency proof from it.
 *
 * Built, like a CSV download, from GraphQL operations of the caller (`auditLogCheckpoint`,
 * `auditLogRangeProof`, `auditConsistencyProof`, `auditLogEntries` page by page): the same token checks,
 * shield rule, scope and limits; one page in memory at a time, the next read once the client took the last.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BUNDLE_FORMAT, type BundleEntry, type BundleHead } from '../modules/audit/log/verify';
import { downloadIdle, drained, openDownload, TRANSFER_STATUS, type RunOperation } from './export-csv';
import { fail } from './http';

const PAGE = 5_000;

type Answer = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] } | null;

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** One operation's field, or the refusal its error (or a busy server) stands for. */
async function field<T>(run: RunOperation, query: string, variables: Record<string, unknown>, name: string): Promise<T> {
  const answer = (await run({ query, variables })) as Answer;
  const error = !answer ? { message: 'The server is busy; try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' } } : answer.errors?.[0];
  if (error) throw new Refused(TRANSFER_STATUS[error.extensions?.code ?? ''] ?? 500, error.message, error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  return answer?.data?.[name] as T;
}

function integer(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new Refused(400, `${name} is a whole number.`, 'BAD_REQUEST');
  return Number(raw);
}

const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/;

/** `from` or `to`: a leaf index, or a date or time (the first entry taken into the tree at or after it). */
async function position(url: URL, name: string, run: RunOperation, size: number): Promise<number | undefined> {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '' || /^\d{1,15}$/.test(raw)) return integer(url, name);
  if (!DATE.test(raw) || Number.isNaN(Date.parse(raw)))
    throw new Refused(400, `${name} is a leaf index, or a date (2026-12-01) or time (2026-12-01T08:00:00Z).`, 'BAD_REQUEST');
  return field<number>(
    run,
    'query($t: DateTimeISO!, $s: Int) { auditLogIndexAt(time: $t, treeSize: $s) }',
    { t: new Date(raw).toISOString(), s: size },
    'auditLogIndexAt',
  );
}

export async function auditBundle(req: IncomingMessage, res: ServerResponse, url: URL, run: RunOperation, requestId: string, logKey: string, origin: string) {
  if (req.method !== 'GET') return fail(res, 405, 'A bundle is read with GET.', 'BAD_REQUEST', { allow: 'GET' });
  try {
    const [witnesses, since] = ['witnesses', 'since'].map((n) => integer(url, n));
    const checkpoint = await field<{ size: number; note: string } | null>(
      run,
      'query($w: Int) { auditLogCheckpoint(witnesses: $w) { size note } }',
      { w: witnesses ?? 0 },
      'auditLogCheckpoint',
    );
    if (!checkpoint) throw new Refused(404, `No checkpoint is cosigned by ${witnesses ?? 0} witnesses yet.`, 'NOT_FOUND');
    const size = checkpoint.size;
    const [from, to] = [await position(url, 'from', run, size), await position(url, 'to', run, size)];
    const [first, end] = [from ?? 0, to ?? size];
    if (!(first < end && end <= size)) throw new Refused(400, `from and to name entries of the tree of ${size}: 0 ≤ from < to ≤ ${size}.`, 'BAD_REQUEST');
    const outside = await field<BundleHead['outside']>(
      run,
      'query($f: Int!, $t: Int!, $s: Int) { auditLogRangeProof(from: $f, to: $t, treeSize: $s) { level index hash } }',
      { f: first, t: end, s: size },
      'auditLogRangeProof',
    );
    let consistency: { fromSize: number; proof: string[] } | null = null;
    if (since !== undefined) {
      if (!(since >= 1 && since <= size)) throw new Refused(400, `since is the size of a checkpoint you kept, from 1 to ${size}.`, 'BAD_REQUEST');
      const proof = await field<{ hashes: string[] }>(
        run,
        'query($f: Int!, $t: Int) { auditConsistencyProof(fromSize: $f, toSize: $t) { hashes } }',
        { f: since, t: size },
        'auditConsistencyProof',
      );
      consistency = { fromSize: since, proof: proof.hashes };
    }
    const head: BundleHead = { format: BUNDLE_FORMAT, origin, logKey, checkpoint: checkpoint.note, treeSize: size, from: first, to: end, outside, consistency };
    const entries = async (at: number) =>
      field<BundleEntry[]>(
        run,
        'query($f: Int!, $c: Int, $s: Int) { auditLogEntries(from: $f, count: $c, treeSize: $s) { leaf content } }',
        { f: at, c: Math.min(PAGE, end - at), s: size },
        'auditLogEntries',
      );
    // The first page is read before the answer starts, so that a refusal is still an error status.
    let page = await entries(first);
    const out = openDownload(req, res, 'application/x-ndjson', `audit-bundle-${first}-${end}.jsonl`, requestId);
    out.write(`${JSON.stringify(head)}\n`);
    for (let at = first; ;) {
      const text = page.map((e) => `${JSON.stringify({ leaf: e.leaf, content: e.content })}\n`).join('');
      at += page.length;
      if (!out.write(text) && !(await drained(out, res))) {
        res.destroy(new Error(`audit bundle: the client took nothing for ${downloadIdle.ms} ms`));
        return;
      }
      if (at >= end || res.destroyed) break;
      page = await entries(at);
    }
    out.end();
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    // Before the first byte, the caller gets the error; after, the download is cut off, never mistaken for the whole.
    if (res.headersSent) return void res.destroy(e);
    return fail(res, e.status, e.message, e.code);
  }
}
