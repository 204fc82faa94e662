/**
 * `npm run bench:audit`: the cost of auditing. The same mutation
 * (updateInstitution, as an EDITOR) is served by two apps on one database —
 * one appending its audit event, one built without the audit write — in
 * alternating rounds. Prints mean time per mutation of each and their ratio.
 */
import 'reflect-metadata';
import { parse } from 'graphql';
import type { App } from '../src/server/app';
import { Role } from '../src/access/roles';
import { systemEm } from '../src/seed/demo';
import { alternate, benchCaller, benchDatabase, median, ROUND_MS, ROUNDS, runMain } from './bench-support';
import { Institution } from '../src/modules/institution/institution.entity';
import { Ministry } from '../src/data/ministry.entity';
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
  const { owner } = db;
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
    await em.flush();
    const caller = await benchCaller(db, ministry, Role.EDITOR);
    const audited = await caller.app();
    // The same app with an appender that writes nothing: the difference is the audit write.
    const unaudited = await caller.app({ appendAudit: async () => undefined });
    const { token } = caller;
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
    await caller.close();
  } finally {
    await db.close();
  }
}

runMain(main);
