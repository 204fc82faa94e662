/**
 * Witnesses' cosignatures of the log's checkpoints (C2SP tlog-cosignature): accepted only from the witness
 * keys registered (by an auditor, or a ministry ADMIN for its ministry), each verified before it is kept,
 * and verified again before it is served — the table is the app role's to append to, so a line in it
 * proves nothing until its witness's key says so.
 */
import type { PublishedCheckpoint } from '../../../context';
import { type Hash } from './merkle';
import {
  checkSignature,
  COSIGNATURE_V1,
  NoteError,
  parseCheckpoint,
  parseNote,
  parseSignatureLine,
  parseVerifierKey,
  signatureLine,
  type NoteSignature,
  type Verifier,
} from './note';
import { cosignaturesOf, storedCheckpoint, storeCosignature, witnessesOf, type Sql } from './log-store';

export type { PublishedCheckpoint };

/** Whether `s` is a cosignature of `text` by the witness whose key is `witness`. */
const cosignedBy = (text: string, s: NoteSignature, witness: Verifier) =>
  s.name === witness.name && s.keyId === witness.keyId && checkSignature(text, s, witness) !== false;

/** `note`, a checkpoint signed by the log, with every stored cosignature of it that verifies. */
export async function withCosignatures(sql: Sql, c: { size: number; root: Hash; note: string }): Promise<PublishedCheckpoint> {
  const text = parseNote(c.note).text;
  const lines: string[] = [];
  const cosigners: string[] = [];
  for (const { line, verifierKey } of await cosignaturesOf(sql, c.size, c.root)) {
    const witness = parseVerifierKey(verifierKey);
    let signature: NoteSignature;
    try {
      signature = parseSignatureLine(line);
    } catch (e) {
      if (e instanceof NoteError) continue;
      throw e;
    }
    if (!cosignedBy(text, signature, witness)) continue;
    lines.push(signatureLine(signature));
    cosigners.push(witness.name);
  }
  return { size: c.size, root: c.root, note: c.note + lines.join(''), cosigners };
}

export type CosignatureOutcome =
  | { accepted: string[]; checkpoint: { size: number; root: Hash } }
  | { refused: 'malformed' | 'origin' | 'unknown-checkpoint' | 'unregistered' | 'signature'; message: string };

/**
 * A witness's cosigned checkpoint, as it posts it: the checkpoint's note with its cosignature line(s). Each
 * line of a live registered witness that verifies is kept; a note with none is refused.
 */
export async function acceptCosignatures(sql: Sql, origin: string, posted: string): Promise<CosignatureOutcome> {
  let parsed;
  let size: number;
  let root: Hash;
  try {
    parsed = parseNote(posted);
    const body = parseCheckpoint(parsed.text);
    if (body.origin !== origin) return { refused: 'origin', message: `a checkpoint of "${body.origin}"; this log is "${origin}"` };
    [size, root] = [body.size, body.root];
  } catch (e) {
    if (e instanceof NoteError) return { refused: 'malformed', message: e.message };
    throw e;
  }
  if (!(await storedCheckpoint(sql, size, root)))
    return { refused: 'unknown-checkpoint', message: `the log signed no checkpoint of size ${size} with root ${root.toString('base64')}` };
  const witnesses = (await witnessesOf(sql)).map((w) => ({ row: w, verifier: parseVerifierKey(w.verifierKey) }));
  const accepted: string[] = [];
  for (const s of parsed.signatures) {
    const known = witnesses.find((w) => w.verifier.name === s.name && w.verifier.keyId === s.keyId);
    if (!known) continue;
    if (!cosignedBy(parsed.text, s, known.verifier))
      return { refused: 'signature', message: `the cosignature of ${s.name} does not verify with its registered key` };
    await storeCosignature(sql, known.row.id, size, root, signatureLine(s).trimEnd());
    accepted.push(s.name);
  }
  if (accepted.length === 0)
    return { refused: 'unregistered', message: 'no cosignature by a registered witness key: an auditor or a ministry ADMIN registers a witness first' };
  return { accepted, checkpoint: { size, root } };
}

/** A witness key as registered: a note verifier key of a cosigner (type 0x04, C2SP tlog-cosignature). */
export function witnessKey(vkey: string): Verifier {
  const verifier = parseVerifierKey(vkey.trim());
  if (verifier.type !== COSIGNATURE_V1)
    throw new NoteError('a witness key is a cosignature/v1 key (type 0x04): make one with `npm run audit-log-key -- --cosigner <name>`');
  return verifier;
}
