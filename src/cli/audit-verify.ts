/**
 * The audit log's offline verifier (`npx ./clients/audit-verify`, or `npm run -s audit-verify --` in a
 * checkout): no database, no secret and no network — the log's verifier key, the witnesses' keys, and a
 * bundle downloaded from `GET /audit/bundle`.
 *
 *   audit-verify --log-key <vkey> [--log-key <older vkey>]… [--witness <vkey>]… [--quorum <k>] [--origin <o>]
 *                [--kept <file>] [--keep <file>] <bundle.jsonl | ->
 *
 *   audit-verify --log-key <vkey> [--witness <vkey>]… [--quorum <k>] --report <file>
 *                the proofs of a data-subject report (`dataSubjectAccessReport { logProof { … } }`)
 *
 * Checks the checkpoint's signatures (the log's, and k witnesses'), every entry's leaf and content, the root
 * rebuilt from the entries, and — with `--kept`, a checkpoint kept from an earlier run — that the log neither
 * went back nor forked since. Prints each finding, with the evidence of a split view to hand on; exits 1
 * when there is one. `--keep` saves the checkpoint, once verified, for the next run.
 */
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { describeReport, verifyBundle, verifyReportProof } from '../modules/audit/log/verify-report';

const USAGE = `usage: audit-verify --log-key <verifier key> [--log-key <older key>]… [--witness <verifier key>]… [--quorum <k>] [--origin <origin>] [--kept <file>] [--keep <file>] <bundle.jsonl | ->
       audit-verify --log-key <verifier key> [--witness <verifier key>]… [--quorum <k>] --report <data-subject report.json>`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'log-key': { type: 'string', multiple: true },
      witness: { type: 'string', multiple: true },
      quorum: { type: 'string' },
      origin: { type: 'string' },
      kept: { type: 'string' },
      keep: { type: 'string' },
      report: { type: 'string' },
    },
  });
  const logKeys = values['log-key'] ?? [];
  const quorum = values.quorum === undefined ? (values.witness?.length ? 1 : 0) : Number(values.quorum);
  if (values.report && logKeys.length && Number.isInteger(quorum) && quorum >= 0) {
    const options = { logKeys, witnesses: values.witness ?? [], quorum, origin: values.origin };
    const report = verifyReportProof(JSON.parse(await readFile(values.report, 'utf8')), options);
    console.log(describeReport(report, quorum));
    return report.findings.length ? 1 : 0;
  }
  if (!logKeys.length || positionals.length !== 1 || !Number.isInteger(quorum) || quorum < 0) {
    console.error(USAGE);
    return 2;
  }
  const file = positionals[0];
  const input = file === '-' ? process.stdin : createReadStream(file);
  const report = await verifyBundle(createInterface({ input, crlfDelay: Infinity }), {
    logKeys,
    witnesses: values.witness ?? [],
    quorum,
    origin: values.origin,
    kept: values.kept === undefined ? undefined : await readFile(values.kept, 'utf8'),
  });
  console.log(describeReport(report, quorum));
  if (values.keep && report.checkpoint && !report.findings.length) await writeFile(values.keep, report.checkpoint.note);
  return report.findings.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  },
);
