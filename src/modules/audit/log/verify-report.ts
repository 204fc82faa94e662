/**
 * The offline verifier's run over a bundle as a file gives it (JSON lines, `GET /audit/bundle`), and the
 * report it prints: what was checked, then each finding, with the evidence of a split view to hand on.
 */
import { parseVerifierKey } from './note';
import { BundleChecker, checkCheckpoint, checkReadProof, isFinding, type BundleEntry, type BundleHead, type BundleReport, type ReadProof } from './verify';

export interface VerifyOptions {
  logKeys: string[];
  witnesses: string[];
  quorum: number;
  origin?: string;
  kept?: string;
}

const policyOf = (options: VerifyOptions) => ({
  log: options.logKeys.map(parseVerifierKey),
  witnesses: options.witnesses.map(parseVerifierKey),
  quorum: options.quorum,
});

/**
 * Checks the proofs a data-subject report carries (`dataSubjectAccessReport { logProof { … } }`, as the
 * GraphQL answer or the `logProof` object alone): the checkpoint's signatures, and each read's row and
 * inclusion in its tree.
 */
export function verifyReportProof(json: unknown, options: VerifyOptions): BundleReport {
  const policy = policyOf(options);
  const wrapped = json as { data?: { dataSubjectAccessReport?: { logProof?: unknown } }; logProof?: unknown };
  const proof = (wrapped?.data?.dataSubjectAccessReport?.logProof ?? wrapped?.logProof ?? json) as { checkpoint?: string; reads?: ReadProof[] };
  const report: BundleReport = { checkpoint: null, entries: 0, contents: 0, findings: [] };
  if (typeof proof?.checkpoint !== 'string' || !Array.isArray(proof.reads))
    return { ...report, findings: [{ kind: 'format', message: 'not the logProof of a data-subject report' }] };
  const checked = checkCheckpoint(proof.checkpoint, policy, options.origin ?? policy.log[0].name);
  if (isFinding(checked)) return { ...report, findings: [checked] };
  report.checkpoint = checked;
  for (const read of proof.reads) {
    report.entries++;
    const finding = checkReadProof(checked.checkpoint, read);
    if (finding) report.findings.push(finding);
    else report.contents++;
  }
  return report;
}

/** Reads a bundle line by line and checks it; the report. */
export async function verifyBundle(lines: AsyncIterable<string>, options: VerifyOptions): Promise<BundleReport> {
  const policy = policyOf(options);
  const log = policy.log;
  let checker: BundleChecker | null = null;
  for await (const line of lines) {
    if (!line.trim()) continue;
    const value = JSON.parse(line) as unknown;
    if (!checker) checker = new BundleChecker(value as BundleHead, policy, options.origin ?? log[0].name);
    else checker.add(value as BundleEntry);
  }
  if (!checker) throw new Error('the bundle is empty');
  return checker.finish(options.kept);
}

/** What the verifier prints: what was checked, then each finding. */
export function describeReport(report: BundleReport, quorum: number): string {
  const out: string[] = [];
  const c = report.checkpoint;
  if (c)
    out.push(
      `checkpoint: size ${c.checkpoint.size}, root ${c.checkpoint.root.toString('base64')}, signed by the log, cosigned by ${c.cosigners.length} witness(es)${c.cosigners.length ? ` (${c.cosigners.join(', ')})` : ''}; ${quorum} required`,
    );
  out.push(`entries: ${report.entries} checked, ${report.contents} with their content`);
  for (const f of report.findings) {
    out.push(`FAIL ${f.kind}: ${f.message}`);
    if (f.evidence) out.push('--- evidence: both signed checkpoints, as received ---', f.evidence.trimEnd(), '--- end of evidence ---');
  }
  out.push(report.findings.length ? `FAILED: ${report.findings.length} finding(s)` : 'OK: every signature, leaf, content and the root verify');
  return out.join('\n');
}
