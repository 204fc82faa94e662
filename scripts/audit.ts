/**
 * `npm run audit -- verify [checkpoint-token-or-file]` and `npm run audit -- checkpoint`.
 * Verifies the audit chain (exit 0 when valid, 1 naming the first bad event) or
 * prints a signed checkpoint of its head. Uses DATABASE_URL, or the embedded
 * PostgreSQL of `npm start` in SINERGI_DATA_DIR (./.data) — stop the server first,
 * or point DATABASE_URL at it.
 */
import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { config } from '../src/config';
import { openDatabase } from '../src/startup/database';
import { readCheckpoint, signCheckpoint, verifyChain } from '../src/modules/audit/audit.chain';

async function main() {
  const [command, arg] = process.argv.slice(2);
  if (command !== 'verify' && command !== 'checkpoint') {
    console.error('usage: npm run audit -- verify [checkpoint token or file] | npm run audit -- checkpoint');
    return 2;
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, stopRunning: false });
  try {
    const em = db.adminOrm.em.fork();
    if (command === 'checkpoint') {
      const cp = await signCheckpoint(em as never, config.auditKey);
      console.error(`checkpoint of event ${cp.seq} (${cp.hash}) at ${cp.time}; keep this token outside the system:`);
      console.log(cp.token);
      return 0;
    }
    let checkpoint;
    if (arg) {
      const token = existsSync(arg) ? readFileSync(arg, 'utf8') : arg;
      checkpoint = await readCheckpoint(config.auditKey, token);
      if (!checkpoint) {
        console.error('not a checkpoint signed with this AUDIT_KEY');
        return 1;
      }
    }
    const result = await verifyChain(em as never, config.auditKey, checkpoint ?? undefined);
    if (result.valid) {
      console.log(
        `valid: ${result.eventsChecked} events, head ${result.headSeq ?? '-'} ${result.headHash ?? ''}${checkpoint ? `, consistent with the checkpoint of event ${checkpoint.seq}` : ''}${result.pendingSeals ? `; ${result.pendingSeals} recent events await their seals` : ''}`,
      );
      return 0;
    }
    console.log(`BROKEN at event ${result.firstBadSeq}: ${result.reason} (${result.eventsChecked} events verified before it)`);
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
