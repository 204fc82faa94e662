/**
 * One round of a witness (clients/audit-witness): fetch the log's newest checkpoint over HTTP, verify it with
 * the log's key, prove from the log's tiles that the tree cosigned last is the beginning of it, cosign it,
 * remember it, and post the cosignature back. The tiles come from the log and are not trusted: the proof is
 * checked against the root the witness remembers and the root the log signed, so a tile that lies fails it.
 */
import { consistencyProof } from './merkle';
import { parseCheckpoint, parseNote, signatureLine, type Checkpoint, type Signer, type Verifier } from './note';
import { tilePath, withTiles } from './tiles';
import { witness, type WitnessState } from './witness';

export interface WitnessRoundInput {
  /** The log's base URL, e.g. https://sinergi.example/audit/log/ */
  logUrl: string;
  log: Verifier;
  origin: string;
  witness: Signer;
  state: WitnessState | null;
  /** Persists the new state before the cosignature leaves the witness: a witness never cosigns backwards. */
  saveState(state: WitnessState): Promise<void>;
  now?: () => number;
  fetch?: typeof fetch;
}

export type WitnessRoundResult =
  { cosigned: number; posted: string; state: WitnessState } | { unchanged: number } | { refused: string; message: string; evidence?: string };

export async function witnessRound(input: WitnessRoundInput): Promise<WitnessRoundResult> {
  const get = input.fetch ?? fetch;
  const base = input.logUrl.endsWith('/') ? input.logUrl : `${input.logUrl}/`;
  const res = await get(`${base}checkpoint`);
  if (!res.ok) throw new Error(`GET ${base}checkpoint answered ${res.status}`);
  const note = await res.text();
  const { state } = input;
  let served: Checkpoint;
  try {
    served = parseCheckpoint(parseNote(note).text);
  } catch (e) {
    return { refused: 'malformed', message: `not a checkpoint: ${(e as Error).message}` };
  }
  const size = served.size;
  if (state && size === state.size && served.root.toString('base64') === state.root) return { unchanged: size };
  let proof: Buffer[] = [];
  if (state && size > state.size && state.size > 0)
    proof = await withTiles(
      size,
      async (level, index, width) => {
        const tile = await get(base + tilePath(level, index, width));
        return tile.ok ? Buffer.from(await tile.arrayBuffer()) : null;
      },
      (read) => consistencyProof(read, state.size, size),
    );
  const decision = witness({
    note,
    log: input.log,
    origin: input.origin,
    witness: input.witness,
    state,
    proof,
    now: Math.floor((input.now ?? Date.now)() / 1000),
  });
  if ('refused' in decision)
    return {
      refused: decision.refused,
      message: decision.message,
      // What the witness saw, to hand on: the size and root it cosigned before, and the note the log now serves.
      evidence:
        decision.refused === 'split-view' || decision.refused === 'inconsistent' || decision.refused === 'rollback'
          ? `${JSON.stringify(state)}\n${note}`
          : undefined,
    };
  await input.saveState(decision.state);
  const posted = note + signatureLine(decision.cosigned);
  const answer = await get(`${base}cosignature`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: posted });
  if (!answer.ok) throw new Error(`POST ${base}cosignature answered ${answer.status}: ${(await answer.text()).trim()}`);
  return { cosigned: decision.state.size, posted, state: decision.state };
}
