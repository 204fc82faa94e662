/** A witness's decisions (src/modules/audit/log/witness.ts): it cosigns only a log's consistent growth. */
import { describe, expect, it } from 'vitest';
import { consistencyProof, leafHash, memoryTree, rootHash } from '../../src/modules/audit/log/merkle';
import { checkpointText, COSIGNATURE_V1, generateSigner, openNote, signNote } from '../../src/modules/audit/log/note';
import { witness, type WitnessState } from '../../src/modules/audit/log/witness';

const ORIGIN = 'sinergi.example/audit-log';
const log = generateSigner(ORIGIN).signer;
const w1 = generateSigner('witness.example/w1', COSIGNATURE_V1).signer;
const leaves = Array.from({ length: 50 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
const tree = memoryTree(leaves);
const note = (size: number, root = rootHash(tree, size), by = log) => signNote(checkpointText({ origin: ORIGIN, size, root }), [by]);
const ask = (n: string, state: WitnessState | null, proof = state ? consistencyProof(tree, state.size, 30) : []) =>
  witness({ note: n, log, origin: ORIGIN, witness: w1, state, proof, now: 1_765_000_000 });

describe('a witness', () => {
  it('cosigns the first checkpoint it sees, then only consistent growth, and its cosignature verifies', () => {
    const first = ask(note(20), null);
    if (!('cosigned' in first)) throw new Error(first.message);
    expect(first.state).toEqual({ origin: ORIGIN, size: 20, root: rootHash(tree, 20).toString('base64') });
    const next = ask(note(30), first.state);
    if (!('cosigned' in next)) throw new Error(next.message);
    const cosignedNote = signNote(openNote(note(30), [log]).text, [log], [next.cosigned]);
    expect(openNote(cosignedNote, [log, w1]).verified.map((v) => v.time)).toEqual([1_765_000_000, undefined]);
  });

  it('refuses a forked history, a rollback, a split view, a forged note and another log', () => {
    const state = { origin: ORIGIN, size: 20, root: rootHash(tree, 20).toString('base64') };
    // The tree of 30 with entry 5 changed: no proof from the cosigned 20 can hold.
    const forked = memoryTree(leaves.map((l, i) => (i === 5 ? leafHash(Buffer.from('changed')) : l)));
    expect(ask(note(30, rootHash(forked, 30)), state, consistencyProof(forked, 20, 30))).toMatchObject({ refused: 'inconsistent' });
    expect(ask(note(10), state)).toMatchObject({ refused: 'rollback' });
    expect(ask(note(20, rootHash(forked, 20)), state, [])).toMatchObject({ refused: 'split-view' });
    expect(ask(note(30, rootHash(tree, 30), generateSigner(ORIGIN).signer), state)).toMatchObject({ refused: 'signature' });
    const elsewhere = signNote(checkpointText({ origin: 'other.example/log', size: 30, root: rootHash(tree, 30) }), [log]);
    expect(ask(elsewhere, state)).toMatchObject({ refused: 'origin' });
    // The same checkpoint again is cosigned again (a witness may be asked twice).
    expect('cosigned' in ask(note(20), state, [])).toBe(true);
  });
});
