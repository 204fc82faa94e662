/**
 * What one leaf of the audit log's tree holds: a version tag, its kind (an
 * audit event, or a personal-data read), its reference (the event's sequence
 * number, the read's id) and the SHA-256 digest of its canonical content —
 * never a personal value. The content stays readable only to those allowed;
 * whoever is given it recomputes the digest and finds its leaf.
 */
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

export const LEAF_VERSION = 'sinergi-audit-log-leaf/v1';
export type LeafKind = 'event' | 'read';

export interface Leaf {
  kind: LeafKind;
  /** The event's sequence number, or the read's id. */
  ref: string;
  /** SHA-256 of the canonical JSON (RFC 8785) of the content, 64 hex digits. */
  digest: string;
}

const REF = /^[0-9A-Za-z-]{1,64}$/;
const DIGEST = /^[0-9a-f]{64}$/;

/** A leaf's bytes: four lines, each ending in a newline. */
export function leafData({ kind, ref, digest }: Leaf): Buffer {
  if ((kind !== 'event' && kind !== 'read') || !REF.test(ref) || !DIGEST.test(digest)) throw new RangeError('not a leaf: kind, reference or digest malformed');
  return Buffer.from(`${LEAF_VERSION}\n${kind}\n${ref}\n${digest}\n`);
}

/** The leaf `data` holds, or null when it is not one this version writes. */
export function parseLeaf(data: Buffer): Leaf | null {
  const lines = data.toString('utf8').split('\n');
  if (lines.length !== 5 || lines[0] !== LEAF_VERSION || lines[4] !== '') return null;
  const [, kind, ref, digest] = lines;
  if ((kind !== 'event' && kind !== 'read') || !REF.test(ref) || !DIGEST.test(digest)) return null;
  const leaf = { kind, ref, digest } as Leaf;
  // One spelling per leaf: the bytes must be exactly what leafData writes.
  return leafData(leaf).equals(data) ? leaf : null;
}

/** The digest of any content: SHA-256 of its canonical JSON. */
export function digestOf(content: unknown): string {
  const text = canonicalize(content);
  if (text === undefined) throw new RangeError('content with no canonical JSON form');
  return createHash('sha256').update(text).digest('hex');
}

/** A personal-data read as the log's leaf digests it: the read log's row, its time to the microsecond. */
export interface ReadContent {
  id: string;
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as the database writes it. */
  readAt: string;
  readerAccountId: string | null;
  readerMinistryId: string | null;
  ownerMinistryId: string | null;
  resourceType: string | null;
  recordId: string | null;
  fields: string[] | null;
  clauseId: string | null;
  mouId: string | null;
}

/**
 * A read's digest, exactly as `sinergi_audit_log_integrate` computes it: SHA-256 of `sinergi-read/v1` and
 * the read's values one per line (a missing one leaves no line, as `concat_ws` does), the fields joined by
 * commas, ending in a newline.
 */
export function readDigest(r: ReadContent): string {
  const values = [
    'sinergi-read/v1',
    r.id,
    r.readAt,
    r.readerAccountId,
    r.readerMinistryId,
    r.ownerMinistryId,
    r.resourceType,
    r.recordId,
    r.fields && r.fields.join(','),
    r.clauseId,
    r.mouId,
  ];
  const text = `${values.filter((v): v is string => v !== null && v !== undefined).join('\n')}\n`;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The digest a leaf of `kind` records for `content`: canonical JSON for an event, the read's lines for a read. */
export const contentDigest = (kind: LeafKind, content: unknown): string => (kind === 'read' ? readDigest(content as ReadContent) : digestOf(content));
