/**
 * The audit log's signing key: AUDIT_LOG_KEY, required in production. In
 * development it is made once and kept beside the embedded database's data,
 * as its other local state is; in tests each process makes its own.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../config';
import { ED25519, generateSigner, NoteError, parseSigner, parseVerifierKey, verifierKey, type Signer } from './note';

/** The verifier keys of the log's earlier keys (AUDIT_LOG_PREVIOUS_KEYS), checked at start-up, in their canonical spelling. */
export function previousLogKeys(config: Pick<Config, 'auditLogPreviousKeys'>): string[] {
  return config.auditLogPreviousKeys.map((k) => {
    try {
      const v = parseVerifierKey(k);
      if (v.type !== ED25519) throw new NoteError('not an Ed25519 note key (type 0x01)');
      return verifierKey(v);
    } catch (e) {
      throw new Error(`AUDIT_LOG_PREVIOUS_KEYS holds ${JSON.stringify(k)}, not a verifier key of the log: ${(e as Error).message}`);
    }
  });
}

export function logSigner(config: Pick<Config, 'env' | 'auditLogKey' | 'auditLogOrigin' | 'dataDir'>): Signer {
  if (config.auditLogKey) {
    const signer = parseSigner(config.auditLogKey);
    if (signer.type !== 0x01) throw new Error('AUDIT_LOG_KEY is a cosigner key: the log signs with an Ed25519 note key (type 0x01)');
    return signer;
  }
  if (config.env === 'production')
    throw new Error("NODE_ENV=production needs AUDIT_LOG_KEY, the audit log's signing key: make one with `npm run audit-log-key` and publish its verifier key");
  if (config.env === 'test') return generateSigner(config.auditLogOrigin).signer;
  const file = path.join(config.dataDir, 'audit-log.key');
  if (existsSync(file)) return parseSigner(readFileSync(file, 'utf8'));
  const { signer, secret } = generateSigner(config.auditLogOrigin);
  mkdirSync(config.dataDir, { recursive: true });
  try {
    // Exclusively: two processes starting at once keep one key, the first one written.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return parseSigner(readFileSync(file, 'utf8'));
    throw e;
  }
  return signer;
}
