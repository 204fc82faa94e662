import { badUserInput } from './errors';

/** Where `toGlobalId` writes an id's text before encoding it: ids are short, and one is encoded at a time. */
const scratch = Buffer.alloc(256);

/**
 * Relay global ids: base64url("<Type>:<uuid>"). Opaque to clients; decoded only here.
 *
 * Encoded for every row of every page, so the text is written (as UTF-8) into a scratch buffer and encoded
 * from there, which makes only the answer's string, where `Buffer.from(text)` made a buffer per id. A
 * text that may not have fitted (`write` stops at the buffer's end, within 4 bytes of it) takes that path.
 */
export function toGlobalId(type: string, id: string): string {
  const text = `${type}:${id}`;
  const n = scratch.write(text, 0, 'utf8');
  return n < scratch.length - 4 ? scratch.toString('base64url', 0, n) : Buffer.from(text).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function parseGlobalId(globalId: string): { type: string; id: string } | null {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const at = decoded.indexOf(':');
  if (at < 1) return null;
  const type = decoded.slice(0, at);
  const id = decoded.slice(at + 1);
  return UUID.test(id) ? { type, id } : null;
}

/** Decodes an id argument that must name a `type`; a malformed or mistyped id is BAD_USER_INPUT on `field`. */
export function fromGlobalId(globalId: string, type: string, field: string): string {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== type) throw badUserInput(`Not a ${type} id.`, field);
  return parsed.id;
}
