/**
 * What a witness decides (C2SP tlog-witness, tlog-cosignature): it remembers the last checkpoint it
 * cosigned for a log, and cosigns a newer one only when the log's key signed it and a consistency proof
 * shows the older tree inside the newer — so two witnesses that cosigned can never have been shown two
 * histories. Pure: the witness command keeps the state and fetches the proof; this decides.
 */
import { verifyConsistency, type Hash } from './merkle';
import { cosign, NoteError, openNote, parseCheckpoint, type NoteSignature, type Signer, type Verifier } from './note';

/** The last checkpoint a witness cosigned for a log. */
export interface WitnessState {
  origin: string;
  size: number;
  /** Its root hash, base64. */
  root: string;
}

export type WitnessDecision =
  { cosigned: NoteSignature; state: WitnessState } | { refused: 'signature' | 'origin' | 'rollback' | 'split-view' | 'inconsistent'; message: string };

export function witness(input: {
  /** The checkpoint as the log serves it. */
  note: string;
  log: Verifier;
  origin: string;
  witness: Signer;
  /** What it cosigned last; none on first use. */
  state: WitnessState | null;
  /** A consistency proof from `state.size` to the checkpoint's size. */
  proof: readonly Hash[];
  /** Seconds since the epoch. */
  now: number;
}): WitnessDecision {
  let text: string;
  try {
    text = openNote(input.note, [input.log]).text;
  } catch (e) {
    if (e instanceof NoteError) return { refused: 'signature', message: `not signed by the log's key: ${e.message}` };
    throw e;
  }
  const checkpoint = parseCheckpoint(text);
  if (checkpoint.origin !== input.origin) return { refused: 'origin', message: `a checkpoint of "${checkpoint.origin}", not of "${input.origin}"` };
  const root = checkpoint.root.toString('base64');
  const { state } = input;
  if (state) {
    if (checkpoint.size < state.size) return { refused: 'rollback', message: `size ${checkpoint.size} is older than the ${state.size} cosigned before` };
    if (checkpoint.size === state.size && root !== state.root)
      return {
        refused: 'split-view',
        message: `size ${state.size} was cosigned with root ${state.root}; this checkpoint says ${root}: the log shows two histories`,
      };
    if (checkpoint.size > state.size && !verifyConsistency(state.size, checkpoint.size, Buffer.from(state.root, 'base64'), checkpoint.root, input.proof))
      return {
        refused: 'inconsistent',
        message: `no proof that the tree of ${state.size} cosigned before is the beginning of this tree of ${checkpoint.size}`,
      };
  }
  return { cosigned: cosign(text, input.witness, input.now), state: { origin: checkpoint.origin, size: checkpoint.size, root } };
}
