/**
 * Signed notes (C2SP signed-note), the checkpoints of the audit log in them
 * (C2SP tlog-checkpoint) and witnesses' cosignatures of those checkpoints
 * (C2SP tlog-cosignature, Ed25519 cosignature/v1): the formats Go's checksum
 * database, Sigsum, Rekor v2 and the transparency.dev witness network use, so
 * their tools read Sinergi's log and Sinergi's tools read theirs.
 *
 * Pure functions of text and keys (Ed25519 from node:crypto): the server,
 * the witness command and the offline verifier share them.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';

/** The signature types this code signs and checks (signed-note's assigned bytes). */
export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;
type SignatureType = typeof ED25519 | typeof COSIGNATURE_V1;

/** Why a note, a key or a checkpoint was refused: the message says what, for a person to act on. */
export class NoteError extends Error {}

const EM_DASH = '\u2014';
/** Verifiers must accept at least 16 signatures; more than this many makes the note suspect, not richer. */
const MAX_SIGNATURES = 64;

/** A key name: non-empty, no Unicode space, no plus. */
const isKeyName = (name: string) => name.length > 0 && !/[\s+]/u.test(name);

/** SHA-256(name || "\n" || type || public key)[:4], as a big-endian uint32. */
export const keyIdOf = (name: string, type: SignatureType, publicKey: Buffer): number =>
  createHash('sha256')
    .update(name)
    .update('\n')
    .update(Buffer.from([type]))
    .update(publicKey)
    .digest()
    .readUInt32BE(0);

/** One party's public key, as a verifier knows it. */
export interface Verifier {
  name: string;
  keyId: number;
  type: SignatureType;
  publicKey: Buffer;
}

export interface Signer extends Verifier {
  /** The Ed25519 signature of `message`. */
  sign(message: Buffer): Buffer;
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const privateKeyOf = (seed: Buffer): KeyObject => createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
const publicKeyOf = (raw: Buffer): KeyObject => createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
const rawPublicKey = (key: KeyObject): Buffer => (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_ED25519.length);

/** A signer from a 32-byte Ed25519 seed: the log's key (type 0x01) or a witness's (0x04). */
export function signerFromSeed(name: string, seed: Buffer, type: SignatureType = ED25519): Signer {
  if (!isKeyName(name)) throw new NoteError(`not a key name: ${JSON.stringify(name)} (non-empty, no spaces, no "+")`);
  if (seed.length !== 32) throw new NoteError('an Ed25519 private key is 32 bytes');
  const key = privateKeyOf(seed);
  const publicKey = rawPublicKey(createPublicKey(key));
  return { name, type, publicKey, keyId: keyIdOf(name, type, publicKey), sign: (message) => edSign(null, message, key) };
}

/** A new key: its signer and its private key in Go's note format (`PRIVATE+KEY+<name>+<id>+<base64>`), to keep secret. */
export function generateSigner(name: string, type: SignatureType = ED25519): { signer: Signer; secret: string } {
  const seed = randomBytes(32);
  const signer = signerFromSeed(name, seed, type);
  return { signer, secret: `PRIVATE+KEY+${name}+${hexId(signer.keyId)}+${Buffer.concat([Buffer.from([type]), seed]).toString('base64')}` };
}

/** The signer a `PRIVATE+KEY+…` string holds (as `generateSigner` writes it, and Go's `note.GenerateKey`). */
export function parseSigner(secret: string): Signer {
  // The key's base64 may itself hold a "+": it is everything after the fourth.
  const [prefix, kind, name, id, ...rest] = secret.trim().split('+');
  const data = rest.join('+');
  if (prefix !== 'PRIVATE' || kind !== 'KEY' || !name || !id || !data) throw new NoteError('a signer key reads PRIVATE+KEY+<name>+<key id>+<key>');
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length !== 33 || (bytes[0] !== ED25519 && bytes[0] !== COSIGNATURE_V1)) throw new NoteError('the signer key holds no Ed25519 private key');
  const signer = signerFromSeed(name, bytes.subarray(1), bytes[0] as SignatureType);
  if (hexId(signer.keyId) !== id.toLowerCase()) throw new NoteError(`the signer key's id ${id} is not its key's (${hexId(signer.keyId)})`);
  return signer;
}

const hexId = (id: number) => id.toString(16).padStart(8, '0');

/** The public half as a verifier key (`<name>+<key id>+<base64(type || key)>`): what the log publishes. */
export const verifierKey = (v: Verifier): string => `${v.name}+${hexId(v.keyId)}+${Buffer.concat([Buffer.from([v.type]), v.publicKey]).toString('base64')}`;

/** A verifier key as `verifierKey` writes it. */
export function parseVerifierKey(vkey: string): Verifier {
  const [name, id, ...rest] = vkey.trim().split('+');
  const data = rest.join('+');
  if (!id || !data) throw new NoteError('a verifier key reads <name>+<key id>+<key>');
  const bytes = Buffer.from(data, 'base64');
  if (!isKeyName(name)) throw new NoteError(`not a key name: ${JSON.stringify(name)}`);
  if (bytes.length !== 33 || (bytes[0] !== ED25519 && bytes[0] !== COSIGNATURE_V1))
    throw new NoteError(`the verifier key of ${name} holds no Ed25519 public key`);
  const type = bytes[0] as SignatureType;
  const publicKey = bytes.subarray(1);
  const keyId = keyIdOf(name, type, publicKey);
  if (!/^[0-9a-f]{8}$/i.test(id) || hexId(keyId) !== id.toLowerCase())
    throw new NoteError(`the verifier key of ${name} says key id ${id}, its key is ${hexId(keyId)}`);
  return { name, keyId, type, publicKey };
}

/** One signature line of a note. */
export interface NoteSignature {
  name: string;
  keyId: number;
  /** The bytes after the key id: an Ed25519 signature, or a cosignature's timestamp and signature. */
  signature: Buffer;
}

/** A note split into its text and its signature lines, nothing checked yet but the format. */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new NoteError('a note holds no control characters but newlines');
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('a note is its text, a blank line and its signature lines, each ending in a newline');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`more than ${MAX_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

/** One signature line, without its newline; throws when it is not one. */
export function parseSignatureLine(line: string): NoteSignature {
  const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
  const bytes = m ? Buffer.from(m[2], 'base64') : Buffer.alloc(0);
  if (!m || !isKeyName(m[1]) || bytes.length < 5) throw new NoteError(`not a signature line: ${JSON.stringify(line)}`);
  return { name: m[1], keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
}

/** A signature's line in a note: `— <name> <base64 of key id and signature>`, ending in a newline. */
export const signatureLine = ({ name, keyId, signature }: NoteSignature): string => {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(keyId);
  return `${EM_DASH} ${name} ${Buffer.concat([id, signature]).toString('base64')}\n`;
};

/** `text` (ending in a newline) signed by each of `signers` (type 0x01). */
export function signNote(text: string, signers: readonly Signer[], existing: readonly NoteSignature[] = []): string {
  if (!text.endsWith('\n') || text.includes('\n\n')) throw new NoteError('a note text ends in a newline and holds no blank line');
  const lines = existing.map(signatureLine);
  for (const s of signers) {
    if (s.type !== ED25519) throw new NoteError(`${s.name} is a cosigner key: it signs checkpoints with cosign()`);
    lines.push(signatureLine({ name: s.name, keyId: s.keyId, signature: s.sign(Buffer.from(text)) }));
  }
  return `${text}\n${lines.join('')}`;
}

/** What a cosigner signs: `cosignature/v1`, the time, and the checkpoint's text. */
const cosignedMessage = (text: string, time: number) => Buffer.from(`cosignature/v1\ntime ${time}\n${text}`);

/** A witness's cosignature of a checkpoint's text, made at `time` (seconds since the epoch). */
export function cosign(text: string, witness: Signer, time: number): NoteSignature {
  if (witness.type !== COSIGNATURE_V1) throw new NoteError(`${witness.name} is not a cosigner key (type 0x04)`);
  if (!Number.isSafeInteger(time) || time < 0) throw new NoteError('a cosignature time is whole seconds since the epoch');
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(BigInt(time));
  return { name: witness.name, keyId: witness.keyId, signature: Buffer.concat([stamp, witness.sign(cosignedMessage(text, time))]) };
}

/** A signature line of a known key that verifies; for a cosignature, with its time. */
export interface Verified {
  verifier: Verifier;
  /** Cosignatures only: when the witness signed. */
  time?: number;
}

/**
 * The note's text and the known keys that signed it. Lines of unknown keys are ignored (a note may carry
 * others' cosignatures); a known key's signature that fails to verify refuses the whole note, as does a
 * note that no known key signed.
 */
export function openNote(note: string, known: readonly Verifier[]): { text: string; verified: Verified[]; signatures: NoteSignature[] } {
  const { text, signatures } = parseNote(note);
  const verified: Verified[] = [];
  for (const s of signatures) {
    const verifier = known.find((k) => k.name === s.name && k.keyId === s.keyId);
    if (!verifier) continue;
    const ok = checkSignature(text, s, verifier);
    if (ok === false) throw new NoteError(`the signature of ${s.name} does not verify: the note was changed, or not signed by that key`);
    verified.push(ok);
  }
  if (verified.length === 0) throw new NoteError(`signed by none of the known keys (${known.map((k) => k.name).join(', ') || 'none given'})`);
  return { text, verified, signatures };
}

/** Whether `s` is `v`'s signature (or cosignature, with its time) of the note text `text`; false when it is not. */
export function checkSignature(text: string, s: NoteSignature, v: Verifier): Verified | false {
  const key = publicKeyOf(v.publicKey);
  if (v.type === ED25519) return s.signature.length === 64 && edVerify(null, Buffer.from(text), key, s.signature) ? { verifier: v } : false;
  if (s.signature.length !== 72) return false;
  const time = s.signature.readBigUInt64BE(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return false;
  return edVerify(null, cosignedMessage(text, Number(time)), key, s.signature.subarray(8)) ? { verifier: v, time: Number(time) } : false;
}

/** A checkpoint's body: the log's origin, its size and its root. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

/** The checkpoint's note text (tlog-checkpoint: origin, size, base64 root, each ending in a newline). */
export function checkpointText({ origin, size, root }: Checkpoint): string {
  if (!origin || /[\s+]/u.test(origin)) throw new NoteError('an origin is non-empty, with no spaces and no "+"');
  if (!Number.isSafeInteger(size) || size < 0) throw new NoteError('a tree size is a whole number');
  if (root.length !== 32) throw new NoteError('a root hash is 32 bytes');
  return `${origin}\n${size}\n${root.toString('base64')}\n`;
}

/** The checkpoint a note text states; extension lines are refused (this log writes none, and they are not auditable). */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length !== 4 || lines[3] !== '') throw new NoteError('a checkpoint is three lines: origin, tree size, root hash');
  const [origin, size, root] = lines;
  if (!origin) throw new NoteError('a checkpoint names its origin');
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new NoteError(`not a tree size: ${JSON.stringify(size)}`);
  const hash = Buffer.from(root, 'base64');
  if (hash.length !== 32 || hash.toString('base64') !== root) throw new NoteError(`not a root hash: ${JSON.stringify(root)}`);
  return { origin, size: Number(size), root: hash };
}
