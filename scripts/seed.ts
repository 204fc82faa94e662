/**
 * `npm run seed -- [--scale demo|bench|bench10] [--reset]`: loads the demo data set
 * (what `npm start` loads into an empty database) or the benchmark size
 * (about 300,000 trainees with their enrollments), with a progress bar.
 * Uses DATABASE_URL, or the embedded PostgreSQL of `npm start` (stop the
 * server first). --reset empties the programme tables first.
 */
import 'reflect-metadata';
import { MultiBar, Presets } from 'cli-progress';
import { config } from '../src/config';
import { openDatabase } from '../src/startup/database';
import { seedDemo, systemEm } from '../src/seed/demo';
import { Account } from '../src/modules/account/account.entity';
import { SCALES } from '../src/seed/programme';

async function main() {
  const args = process.argv.slice(2);
  const scale = (args.includes('--scale') ? args[args.indexOf('--scale') + 1] : 'demo') as keyof typeof SCALES;
  if (!(scale in SCALES)) throw new Error(`--scale takes ${Object.keys(SCALES).join(', ')}`);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, stopRunning: false });
  try {
    const em = systemEm(db.adminOrm);
    if (args.includes('--reset')) {
      // The audit log is append-only by design; a reset starts a new database's worth of programme data, not history.
      await em
        .getConnection()
        .execute(
          'truncate personal_data_read, enrollment, trainee, program, institution, returnee_business, mou_version, data_sharing_clause, mou_party, mou, account cascade',
        );
    } else if ((await em.count(Account, {})) > 0) {
      console.error('the database has data already: use --reset to replace it');
      return 1;
    }
    const bars = new MultiBar({ format: ' {stage} |{bar}| {value}/{total}', hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
    const active = new Map<string, ReturnType<MultiBar['create']>>();
    const started = Date.now();
    await seedDemo(db.adminOrm, {
      scale,
      progress: (stage, done, total) => {
        let bar = active.get(stage);
        if (!bar) active.set(stage, (bar = bars.create(total, 0, { stage: stage.padEnd(18) })));
        bar.setTotal(total);
        bar.update(done, { stage: stage.padEnd(18) });
      },
    });
    bars.stop();
    console.log(`${scale} data set loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
