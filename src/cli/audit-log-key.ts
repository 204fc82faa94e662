/**
 * `npm run -s audit-log-key` (after `npm run build`, as `npm run account`): makes a signing key for the audit log (Ed25519, C2SP signed-note) named after
 * AUDIT_LOG_ORIGIN. Prints the private key on standard output, for AUDIT_LOG_KEY:
 *   export AUDIT_LOG_KEY=$(npm run -s audit-log-key)
 * and its verifier key, the one to publish, on standard error. `--cosigner <name>` makes a witness's key
 * (type 0x04) instead. With AUDIT_LOG_KEY set and `--verifier`, prints that key's verifier key.
 */
import { config } from '../config';
import { COSIGNATURE_V1, ED25519, generateSigner, parseSigner, verifierKey } from '../modules/audit/log/note';

const args = process.argv.slice(2);
if (args.includes('--verifier')) {
  if (!config.auditLogKey) throw new Error('--verifier reads AUDIT_LOG_KEY, which is not set');
  console.log(verifierKey(parseSigner(config.auditLogKey)));
} else {
  const at = args.indexOf('--cosigner');
  const name = at >= 0 ? args[at + 1] : config.auditLogOrigin;
  if (!name) throw new Error('--cosigner takes the witness key name, e.g. witness.kesdm.go.id/w1');
  const { signer, secret } = generateSigner(name, at >= 0 ? COSIGNATURE_V1 : ED25519);
  console.log(secret);
  console.error(`verifier key (publish this one): ${verifierKey(signer)}`);
}
