import { badUserInput } from './errors';

/** Relay global ids: base64url("<Type>:<uuid>"). Opaque to clients; decoded only here. */
export const toGlobalId = (type: string, id: string): string => Buffer.from(`${type}:${id}`).toString('base64url');

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
