/**
 * The audit log's witness, run by a partner ministry or an auditor on its own machine
 * (`npx ./clients/audit-witness`, or `npm run -s audit-witness --` in a checkout):
 *
 *   keygen <name>                   a witness key: the secret on standard output (keep it in a file only
 *                                   the witness reads), its verifier key on standard error (register it
 *                                   with `registerAuditWitness`)
 *   run --log <url> --log-key <vkey> --key-file <file> --state <file> [--origin <o>] [--every <seconds>]
 *                                   fetch, verify, prove consistent, cosign and post back; once, or every
 *                                   <seconds> until stopped
 *
 * No database and no secret of the log: the log's verifier key, the witness's own key and its state file.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { COSIGNATURE_V1, generateSigner, parseSigner, parseVerifierKey, verifierKey } from '../modules/audit/log/note';
import type { WitnessState } from '../modules/audit/log/witness';
import { witnessRound } from '../modules/audit/log/witness-round';

const USAGE = `usage: audit-witness keygen <name>
       audit-witness run --log <url of /audit/log/> --log-key <verifier key> --key-file <file> --state <file> [--origin <origin>] [--every <seconds>]`;

async function readState(file: string): Promise<WitnessState | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as WitnessState;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Written whole or not at all: a state cut short would make the witness forget what it cosigned. */
async function saveState(file: string, state: WitnessState): Promise<void> {
  await writeFile(`${file}.tmp`, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'keygen') {
    if (!rest[0]) throw new Error('keygen takes the key name, e.g. witness.kesdm.go.id/w1');
    const { signer, secret } = generateSigner(rest[0], COSIGNATURE_V1);
    console.log(secret);
    console.error(`verifier key (register this one): ${verifierKey(signer)}`);
    return 0;
  }
  if (command !== 'run') {
    console.error(USAGE);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      log: { type: 'string' },
      'log-key': { type: 'string' },
      'key-file': { type: 'string' },
      state: { type: 'string' },
      origin: { type: 'string' },
      every: { type: 'string' },
    },
  });
  const logUrl = values.log;
  if (!logUrl || !values['log-key'] || !values['key-file'] || !values.state) {
    console.error(USAGE);
    return 2;
  }
  const log = parseVerifierKey(values['log-key']);
  const witness = parseSigner((await readFile(values['key-file'], 'utf8')).trim());
  const stateFile = values.state;
  const every = values.every ? Number(values.every) : 0;
  const round = async () => {
    const result = await witnessRound({
      logUrl,
      log,
      origin: values.origin ?? log.name,
      witness,
      state: await readState(stateFile),
      saveState: (s) => saveState(stateFile, s),
    });
    const at = new Date().toISOString();
    if ('cosigned' in result) console.log(`${at} cosigned size ${result.cosigned}`);
    else if ('unchanged' in result) console.log(`${at} unchanged at size ${result.unchanged}`);
    else {
      console.error(`${at} REFUSED (${result.refused}): ${result.message}`);
      if (result.evidence) console.error(`evidence:\n${result.evidence}`);
    }
    return 'refused' in result ? 1 : 0;
  };
  if (!(every > 0)) return round();
  for (;;) {
    // A network failure is reported and tried again; a refusal stops the witness: someone must look.
    const failed = await round().catch((e: Error) => (console.error(`${new Date().toISOString()} ${e.message}`), 0));
    if (failed) return failed;
    await new Promise((r) => setTimeout(r, every * 1000));
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  },
);
