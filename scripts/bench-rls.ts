/**
 * `npx tsx scripts/bench-rls.ts`: the cost of row-level security. The same
 * GraphQL list query (100 institutions with totalCount, as a VIEWER of a
 * ministry owning 3,000 of 37,000 institutions) is served by two apps on one
 * database — one connecting as the unprivileged app role (RLS enforced), one
 * as the owner (RLS policies bypassed) — in alternating rounds, so both see
 * the same machine state. Prints requests/s of each and their ratio.
 */
import 'reflect-metadata';
import { Role } from '../src/access/roles';
import { systemEm } from '../src/seed/demo';
import { alternate, benchCaller, benchDatabase, median, rate, ROUND_MS, ROUNDS, runMain } from './bench-support';
import { Ministry } from '../src/data/ministry.entity';

const QUERY = '{ institutions(first: 100) { totalCount edges { node { id name provinceCode annualCapacity } } } }';

async function main() {
  const db = await benchDatabase('sinergi_bench');
  const { owner } = db;
  try {
    const em = systemEm(owner);
    const ministries = await em.find(Ministry, {}, { orderBy: { code: 'asc' } });
    const target = ministries.find((m) => m.code === 'KEMNAKER')!;
    await em.getConnection().execute('truncate institution cascade');
    // 3,000 for the caller's ministry, the rest of 37,000 spread over the others.
    await em.getConnection().execute(
      `insert into institution (id, owner_ministry_id, name, type, province_code, annual_capacity, sectors)
       select gen_random_uuid(), case when g <= 3000 then ?::uuid else (?::uuid[])[1 + g % ?] end, 'Institution ' || g, 'TRAINING_CENTRE', '35', 100 + g % 500, '{TOURISM}'
         from generate_series(1, 37000) g`,
      [
        target.id,
        `{${ministries
          .filter((m) => m !== target)
          .map((m) => m.id)
          .join(',')}}`,
        ministries.length - 1,
      ],
    );
    await em.getConnection().execute('analyze institution');
    const caller = await benchCaller(db, target, Role.VIEWER);
    const withRls = await caller.app();
    const withoutRls = await caller.app({ orm: owner });
    const { token } = caller;
    const { a: on, b: off } = await alternate(
      (ms) => rate(withRls, token, QUERY, ms),
      (ms) => rate(withoutRls, token, QUERY, ms),
    );
    const [a, b] = [median(on), median(off)];
    console.log(`institutions(first: 100) + totalCount, VIEWER of a ministry with 3,000 of 37,000 rows, ${ROUNDS} alternating rounds of ${ROUND_MS} ms`);
    console.log(`with RLS:    ${a.toFixed(0)} req/s (rounds: ${on.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`without RLS: ${b.toFixed(0)} req/s (rounds: ${off.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`RLS cost: throughput ratio ${(a / b).toFixed(3)} (${((1 - a / b) * 100).toFixed(1)} % slower)`);
    await caller.close();
  } finally {
    await db.close();
  }
}

runMain(main);
