/**
 * Signed notes, checkpoints and cosignatures (src/modules/audit/log/note.ts), against the reference vector
 * of Go's golang.org/x/mod/sumdb/note (the note format's first implementation), and against every way of
 * spoiling a note a verifier must refuse.
 */
import { describe, expect, it } from 'vitest';
import {
  checkpointText,
  cosign,
  COSIGNATURE_V1,
  generateSigner,
  NoteError,
  openNote,
  parseCheckpoint,
  parseNote,
  parseSigner,
  parseVerifierKey,
  signNote,
  verifierKey,
} from '../../src/modules/audit/log/note';

// golang.org/x/mod/sumdb/note's documented example: its keys, its text and the note it signs.
const GO_SIGNER = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed notes', () => {
  it("sign and verify as Go's sumdb/note does, byte for byte", () => {
    const signer = parseSigner(GO_SIGNER);
    expect(verifierKey(signer)).toBe(GO_VERIFIER);
    expect(signNote(GO_TEXT, [signer])).toBe(GO_NOTE);
    expect(openNote(GO_NOTE, [parseVerifierKey(GO_VERIFIER)]).text).toBe(GO_TEXT);
  });

  it('refuse a changed text, a changed signature, a note no known key signed, and a known key whose signature fails', () => {
    const peter = parseVerifierKey(GO_VERIFIER);
    expect(() => openNote(GO_NOTE.replace('problem is', 'problem was'), [peter])).toThrow(/does not verify/);
    expect(() => openNote(GO_NOTE.replace('ZJkuBS9U', 'ZJkuBS9V'), [peter])).toThrow(NoteError);
    // Another key id under the same name is another key: ignored, so nothing known signed the note.
    expect(() => openNote(GO_NOTE.replace('x08go', 'x08gO'), [peter])).toThrow(/none of the known keys/);
    const other = generateSigner('example.org/other').signer;
    expect(() => openNote(GO_NOTE, [other])).toThrow(/none of the known keys/);
    // Another key's valid signature beside Peter's forged one: the whole note is refused.
    const [forged] = parseNote(GO_NOTE.replace('ZJkuBS9U', 'ZJkuBS9V')).signatures;
    expect(() => openNote(signNote(GO_TEXT, [other], [forged]), [other, peter])).toThrow(/PeterNeumann does not verify/);
    // A line from an unknown key is ignored.
    const extra = signNote(GO_TEXT, [generateSigner('stranger').signer], parseNote(GO_NOTE).signatures);
    expect(openNote(extra, [peter]).verified.map((v) => v.verifier.name)).toEqual(['PeterNeumann']);
  });

  it('refuse malformed notes and keys with a message saying what is wrong', () => {
    const peter = parseVerifierKey(GO_VERIFIER);
    expect(() => openNote(GO_TEXT, [peter])).toThrow(/blank line/);
    expect(() => openNote(GO_NOTE.replace('\u2014', '-'), [peter])).toThrow(/not a signature line/);
    // A key whose base64 holds a "+" (transparency-dev/formats' test key) reads whole.
    expect(parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6').name).toBe('TEST');
    expect(() => openNote(GO_NOTE.replace('problem,', 'problem,\t'), [peter])).toThrow(/control characters/);
    expect(() => parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/key id/);
    expect(() => parseVerifierKey('Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/key name/);
    expect(() => parseSigner(GO_SIGNER.replace('c74f20a3', '00000000'))).toThrow(/id/);
    expect(() => signNote('no newline', [parseSigner(GO_SIGNER)])).toThrow(NoteError);
  });
});

describe('checkpoints and cosignatures', () => {
  const root = Buffer.alloc(32, 7);
  const text = checkpointText({ origin: 'sinergi.example/audit', size: 42, root });

  it('write and read the three lines of a checkpoint, and refuse anything else', () => {
    expect(text).toBe(`sinergi.example/audit\n42\n${root.toString('base64')}\n`);
    expect(parseCheckpoint(text)).toEqual({ origin: 'sinergi.example/audit', size: 42, root });
    expect(() => parseCheckpoint(text.replace('42', '042'))).toThrow(/tree size/);
    expect(() => parseCheckpoint(`${text}extension\n`)).toThrow(/three lines/);
    expect(() => parseCheckpoint(text.replace(root.toString('base64'), 'AAAA'))).toThrow(/root hash/);
  });

  it("verify a witness's cosignature with its time, and refuse one over another checkpoint or time", () => {
    const log = generateSigner('sinergi.example/audit').signer;
    const { signer: witness } = generateSigner('witness.example/w1', COSIGNATURE_V1);
    const cosigned = signNote(text, [log], [cosign(text, witness, 1_765_000_000)]);
    const opened = openNote(cosigned, [log, witness]);
    expect(opened.verified.map((v) => [v.verifier.name, v.time])).toEqual([
      ['witness.example/w1', 1_765_000_000],
      ['sinergi.example/audit', undefined],
    ]);
    // The witness's key is type 0x04: its verifier key says so, and a verifier made from it reads it back.
    expect(verifierKey(witness)).toMatch(/^witness\.example\/w1\+[0-9a-f]{8}\+B/);
    expect(parseVerifierKey(verifierKey(witness))).toEqual({ name: witness.name, keyId: witness.keyId, type: 0x04, publicKey: witness.publicKey });
    // The same cosignature moved onto a checkpoint of another size does not verify.
    const other = checkpointText({ origin: 'sinergi.example/audit', size: 43, root });
    const moved = signNote(other, [log], [cosign(text, witness, 1_765_000_000)]);
    expect(() => openNote(moved, [log, witness])).toThrow(/witness\.example\/w1 does not verify/);
    // Its time changed: the signature covers it.
    const line = cosign(text, witness, 1_765_000_000);
    line.signature.writeBigUInt64BE(1_765_000_001n, 0);
    expect(() => openNote(signNote(text, [log], [line]), [log, witness])).toThrow(/does not verify/);
    // A log key cannot cosign, nor a witness key sign a note.
    expect(() => cosign(text, log, 1)).toThrow(/not a cosigner key/);
    expect(() => signNote(text, [witness])).toThrow(/cosigner key/);
  });

  it('generates keys whose private form reads back to the same signer', () => {
    const { signer, secret } = generateSigner('sinergi.example/audit');
    expect(secret).toMatch(/^PRIVATE\+KEY\+sinergi\.example\/audit\+[0-9a-f]{8}\+/);
    const again = parseSigner(secret);
    expect(verifierKey(again)).toBe(verifierKey(signer));
    expect(openNote(signNote(text, [again]), [parseVerifierKey(verifierKey(signer))]).text).toBe(text);
  });
});
