/**
 * Every place in the API where a personal value (a NIK, birth date, phone,
 * e-mail or address of a data subject) can enter or leave, and what guards
 * it. docs/access-model.md ("Every path a personal value can take") lists the same paths, and
 * `test/personal-paths.test.ts` walks the schema: a field, argument or enum
 * value that looks like it carries such a value and is missing here fails
 * the build, and each `logged` path is exercised against the read log.
 *
 * Keys: `Type.field`, `Type.field(argument)`, `Enum.VALUE`, or `*Suffix.field`
 * for every type whose name ends with Suffix.
 */
import type { Resource } from '../../resource/resource';
import { naming } from '../../resource/naming';

export type Treatment =
  /** Full value only for the owner or under a personal-data clause, then logged; masked for everyone else. */
  | 'masked-or-logged'
  /** Refused where any ministry it spans is seen masked; else each other-ministry row it matches is logged. */
  | 'filter-logged'
  /** Refused where seen masked; else each other-ministry row of the page is logged as a read of the sort key. */
  | 'sort-logged'
  /** Sealed with a server key: the holder learns nothing from it (cursor-seal.ts). */
  | 'sealed'
  /** Works on the caller's own ministry's records only. */
  | 'owner-only'
  /** Never leaves: replaced by "[redacted]" where it is recorded. */
  | 'redacted'
  /** Not a data subject's personal value (a staff e-mail, an institution's address, a field name). */
  | 'not-personal';

export type PathList = Record<string, { treatment: Treatment; note: string }>;

/**
 * The paths each resource declaration implies: its personal fields, masked
 * or logged; a filter or an order by one, logged or refused; the inputs that
 * write one, the owner's only; its CSV export, which shows each personal
 * cell exactly as the field would (or carries none); and the fields it says
 * hold no data subject's value.
 */
export function declaredPaths(resources: readonly Resource[]): PathList {
  const out: PathList = {};
  for (const r of resources) {
    for (const field of Object.keys(r.personal ?? {})) out[`${r.name}.${field}`] = { treatment: 'masked-or-logged', note: 'field value' };
    for (const [key, f] of Object.entries(r.fields ?? {})) {
      const inputs = [...(f.create ? [naming.createInput(r.name)] : []), ...(f.update ? [naming.updateInput(r.name)] : [])];
      if (f.notPersonal) {
        for (const type of [r.name, ...inputs]) out[`${type}.${key}`] = { treatment: 'not-personal', note: f.notPersonal };
      }
      if (!f.personal) continue;
      for (const type of inputs) out[`${type}.${key}`] = { treatment: 'owner-only', note: "writes land in the caller's ministry, updates only the owner's" };
      if (f.filter === 'eq')
        out[`${naming.filter(r.name)}.${key}`] = { treatment: 'filter-logged', note: 'a match reveals the value, even with only totalCount' };
      if (f.sort) out[`${naming.orderField(r.name)}.${f.sort}`] = { treatment: 'sort-logged', note: 'the order reveals the values relative to each other' };
    }
    for (const q of Object.keys(r.queries).filter((q) => q.endsWith('Csv'))) {
      out[`Query.${q}`] = r.personal
        ? { treatment: 'masked-or-logged', note: 'CSV export: each personal cell exactly as the field would show it, logged alike' }
        : { treatment: 'not-personal', note: `${r.name} declares no personal fields; relations are global ids` };
    }
  }
  return out;
}

/** Paths beyond what the declarations imply, each with what guards it. */
export const PERSONAL_VALUE_PATHS: PathList = {
  '*Edge.cursor': { treatment: 'sealed', note: 'a keyset cursor holds the sort key' },
  'PageInfo.startCursor': { treatment: 'sealed', note: 'as *Edge.cursor' },
  'PageInfo.endCursor': { treatment: 'sealed', note: 'as *Edge.cursor' },
  'Change.cursor': { treatment: 'sealed', note: "a position in the audit log's order (sequence number and time), sealed; no value of the record" },
  'Query.dataSubjectAccessReport(nik)': {
    treatment: 'owner-only',
    note: "matches only the caller's own records; another ministry's NIK gives an empty report",
  },
  'DataSubjectAccessReport.nik': { treatment: 'owner-only', note: 'the NIK the caller asked about, echoed' },
  'Mutation.importCsv(csv)': { treatment: 'owner-only', note: 'rows land in the importing ministry; conflicts are checked within it' },
  'AuditEvent.changes': { treatment: 'redacted', note: 'personal values and password hashes are "[redacted]" in every audit event' },
  'AuditLogEntry.content': {
    treatment: 'redacted',
    note: "an event's content as the chain signed it (its changes redacted as AuditEvent.changes), or a read's row: ids and field names, never a value",
  },
  'ReadInclusionProof.content': { treatment: 'not-personal', note: "a read's row of the read log: ids and field names, never a value" },
  'MouVersion.snapshot': { treatment: 'not-personal', note: "an MoU's terms" },
  'Mou.clausesInForceOn': { treatment: 'not-personal', note: 'clauses of an MoU version' },
  'Mutation.importCsv': { treatment: 'owner-only', note: "the report names lines, fields and reasons of the caller's own file" },
  'Account.email': { treatment: 'not-personal', note: 'a staff account, not a data subject' },
  'CreateAccountInput.email': { treatment: 'not-personal', note: 'a staff account' },
  'Mutation.login(email)': { treatment: 'not-personal', note: 'a staff account' },
};

/** Names that suggest a personal value: a schema element so named must have an entry above. */
export const LOOKS_PERSONAL = /nik|birth|phone|e-?mail|address|cursor|csv/i;
