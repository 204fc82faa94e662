/**
 * `npm run bench:audit`: the cost of auditing. The same mutation
 * (updateInstitution, as an EDITOR) is served by two apps on one database —
 * one appending its audit event, one built without the audit write — in
 * alternating rounds. Prints mean time per mutation of each and their ratio.
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import pino from 'pino';
import { createApp, type App } from '../src/app';
import { Role } from '../src/access/roles';
import { loadConfig } from '../src/config';
import { ensureAppLogin } from '../src/db/app-role';
import { ormOptions } from '../src/db/orm.config';
import { tokenWithOwnerRights } from '../src/db/owner-sessions';
import { systemEm } from '../src/db/seed/demo';
import { alternate, benchDatabase, median, ROUND_MS, ROUNDS, runMain } from './bench-support';
import { Account } from '../src/modules/account/account.entity';
import { Institution } from '../src/modules/institution/institution.entity';
import { Ministry } from '../src/kernel/ministry.entity';
import { InstitutionType } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';

const MUTATION = parse('mutation($i: UpdateInstitutionInput!) { updateInstitution(input: $i) { id version } }');

async function meanMs(app: App, token: string, id: string, ms: number): Promise<number> {
  let n = 0;
  const start = Date.now();
  while (Date.now() - start < ms) {
    const res = await app.apollo.executeOperation(
      { query: MUTATION, variables: { i: { id, annualCapacity: n % 1000 } } },
      { contextValue: await app.context(`Bearer ${token}`) },
    );
    if (res.body.kind !== 'single' || res.body.singleResult.errors) throw new Error(JSON.stringify(res.body));
    n++;
  }
  return (Date.now() - start) / n;
}

async function main() {
  const db = await benchDatabase('sinergi_bench_audit');
  const { url, owner } = db;
  try {
    const em = systemEm(owner);
    const ministry = await em.findOneOrFail(Ministry, { code: 'KEMNAKER' });
    const inst = em.create(Institution, {
      ownerMinistry: ministry,
      name: 'BBPVP Bench',
      type: InstitutionType.TRAINING_CENTRE,
      provinceCode: '32',
      annualCapacity: 1,
    });
    const account = em.create(Account, { email: `bench-audit-${Date.now()}@test.local`, displayName: 'Bench', passwordHash: 'x', role: Role.EDITOR, ministry });
    await em.flush();
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'bench-secret' });
    const log = pino({ level: 'silent' });
    const appOrm = await MikroORM.init(ormOptions(await ensureAppLogin(url)));
    const audited = await createApp({ orm: appOrm, config, log });
    // The same app with an appender that writes nothing: the difference is the audit write.
    const unaudited = await createApp({ orm: appOrm, config, log, appendAudit: async () => undefined });
    const token = await tokenWithOwnerRights(em, audited.tokens, { id: account.id, ministryId: ministry.id, role: Role.EDITOR });
    const id = toGlobalId('Institution', inst.id);
    const { a: withAudit, b: without } = await alternate(
      (ms) => meanMs(audited, token, id, ms),
      (ms) => meanMs(unaudited, token, id, ms),
    );
    const [a, b] = [median(withAudit), median(without)];
    console.log(`updateInstitution as an EDITOR, ${ROUNDS} alternating rounds of ${ROUND_MS} ms, one request at a time`);
    console.log(`with audit write:    ${a.toFixed(2)} ms per mutation (rounds: ${withAudit.map((x) => x.toFixed(2)).join(', ')})`);
    console.log(`without audit write: ${b.toFixed(2)} ms per mutation (rounds: ${without.map((x) => x.toFixed(2)).join(', ')})`);
    console.log(`audit cost: time ratio ${(a / b).toFixed(3)} (+${((a / b - 1) * 100).toFixed(1)} %)`);
    await audited.stop();
    await unaudited.stop();
    await appOrm.close(true);
  } finally {
    await db.close();
  }
}

runMain(main);
