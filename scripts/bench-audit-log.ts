/**
 * `npm run bench:audit-log`: what the audit log's transparency costs (issue 31), measured against itself
 * with the log off in the same run, in alternating rounds:
 *
 * 1. mutations (updateInstitution as an EDITOR, CLIENTS at once, each on its own institution): throughput
 *    and p50 with the log on (events integrated by sequence number and signed every second, reads queued by
 *    their trigger) and off (no integrator, the read trigger disabled) — goal within 5 %;
 * 2. a partner's read of 200 trainees shared with personal data, in full, each request writing 200 read-log
 *    rows that become 200 leaves — goal within 10 %;
 * 3. the delay from an event to the first signed checkpoint that includes it, over the events of the
 *    "on" rounds — goal p99 ≤ 2 s;
 * 4. the offline verifier over a bundle of LEAVES (default 1,000,000) synthetic entries — the time it takes.
 */
import 'reflect-metadata';
import { parse, type DocumentNode } from 'graphql';
import type { App } from '../src/server/app';
import { Role } from '../src/access/roles';
import { systemEm } from '../src/seed/demo';
import { Ministry } from '../src/data/ministry.entity';
import { Institution } from '../src/modules/institution/institution.entity';
import { InstitutionType, ResourceType } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';
import { digestOf, leafData } from '../src/modules/audit/log/leaf';
import { leafHash, memoryTree, rootHash } from '../src/modules/audit/log/merkle';
import { checkpointText, generateSigner, signNote, verifierKey } from '../src/modules/audit/log/note';
import { BUNDLE_FORMAT, type BundleHead } from '../src/modules/audit/log/verify';
import { verifyBundle } from '../src/modules/audit/log/verify-report';
import { signedMou } from '../test/support/factories';
import { benchCaller, benchDatabase, median, ROUND_MS, ROUNDS, runMain } from './bench-support';

const CLIENTS = Number(process.env.CLIENTS ?? 8);
const LEAVES = Number(process.env.LEAVES ?? 1_000_000);

interface Round {
  perSecond: number;
  p50: number;
}

/** `clients` callers at once for `ms`, each sending its own operation again and again; throughput and p50. */
async function load(
  app: App,
  token: string,
  clients: number,
  ms: number,
  op: (client: number, n: number) => { query: DocumentNode; variables?: Record<string, unknown> },
): Promise<Round> {
  const latencies: number[] = [];
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let n = 0; Date.now() < end; n++) {
        const started = performance.now();
        const res = await app.apollo.executeOperation(op(client, n), { contextValue: await app.context(`Bearer ${token}`) });
        if (res.body.kind !== 'single' || res.body.singleResult.errors) throw new Error(JSON.stringify(res.body));
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { perSecond: (latencies.length * 1000) / ms, p50: median(latencies) };
}

const fmt = (r: Round[]) => `${median(r.map((x) => x.perSecond)).toFixed(1)} req/s, p50 ${median(r.map((x) => x.p50)).toFixed(1)} ms`;
const ratio = (on: Round[], off: Round[]) => {
  const t = median(on.map((x) => x.perSecond)) / median(off.map((x) => x.perSecond));
  const p = median(on.map((x) => x.p50)) / median(off.map((x) => x.p50));
  return `throughput ${(t * 100).toFixed(1)} % of off, p50 ${(p * 100).toFixed(1)} % of off`;
};

/** A bundle of `n` synthetic events as the server would serve it, checked by the offline verifier; seconds. */
async function verifyLarge(n: number): Promise<{ seconds: number; ok: boolean }> {
  const log = generateSigner('bench.example/audit-log').signer;
  const lines: string[] = [];
  const hashes: Buffer[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const content = {
      occurredAt: '2026-12-07T10:00:00.000Z',
      operation: 'updateInstitution',
      entityType: 'Institution',
      entityId: `i-${seq % 977}`,
      changes: [{ field: 'name', to: `Name ${seq}` }],
    };
    const leaf = leafData({ kind: 'event', ref: String(seq), digest: digestOf(content) });
    hashes.push(leafHash(leaf));
    lines.push(JSON.stringify({ leaf: leaf.toString('base64'), content }));
  }
  const root = rootHash(memoryTree(hashes), n);
  const head: BundleHead = {
    format: BUNDLE_FORMAT,
    origin: log.name,
    logKey: verifierKey(log),
    checkpoint: signNote(checkpointText({ origin: log.name, size: n, root }), [log]),
    treeSize: n,
    from: 0,
    to: n,
    outside: [],
    consistency: null,
  };
  async function* all() {
    yield JSON.stringify(head);
    yield* lines;
  }
  const started = performance.now();
  const report = await verifyBundle(all(), { logKeys: [verifierKey(log)], witnesses: [], quorum: 0 });
  return { seconds: (performance.now() - started) / 1000, ok: report.findings.length === 0 && report.contents === n };
}

async function main() {
  const db = await benchDatabase('sinergi_bench_audit_log');
  const { owner } = db;
  const sql = owner.em.getConnection();
  try {
    const em = systemEm(owner);
    const [provider, partner] = await Promise.all(['KEMNAKER', 'KESDM'].map((code) => em.findOneOrFail(Ministry, { code })));
    const institutions = Array.from({ length: CLIENTS }, (_, i) =>
      em.create(Institution, {
        ownerMinistry: provider,
        name: `BBPVP Bench ${i}`,
        type: InstitutionType.TRAINING_CENTRE,
        provinceCode: '32',
        annualCapacity: 1,
      }),
    );
    await em.flush();
    await sql.execute('truncate trainee cascade');
    await sql.execute(
      `insert into trainee (id, owner_ministry_id, nik, full_name, sex, birth_date, origin_province_code, status)
       select gen_random_uuid(), ?::uuid, '3507' || lpad(g::text, 12, '0'), 'Person ' || g, 'FEMALE', date '1990-01-01' + g, '35', 'REGISTERED'
         from generate_series(1, 200) g`,
      [provider.id],
    );
    await signedMou(em, provider, partner, [{ provider, recipient: partner, resources: [ResourceType.TRAINEE], personal: true }]);
    const editor = await benchCaller(db, provider, Role.EDITOR);
    const reader = await benchCaller(db, partner, Role.VIEWER);
    const app = await editor.app({ config: { ...editor.config, auditLogIntervalMs: 1000 } });
    const readerApp = await reader.app();
    // The log off: nothing queued, nothing integrated. On: as a server runs it.
    const setLog = async (on: boolean) => {
      await sql.execute(`alter table personal_data_read ${on ? 'enable' : 'disable'} trigger audit_log_enqueue`);
      if (on) app.auditLog.start(1000);
      else await app.auditLog.stop();
    };

    const MUTATION = parse('mutation($i: UpdateInstitutionInput!) { updateInstitution(input: $i) { id version } }');
    const ids = institutions.map((i) => toGlobalId('Institution', i.id));
    const mutate = (ms: number) =>
      load(app, editor.token, CLIENTS, ms, (c, n) => ({ query: MUTATION, variables: { i: { id: ids[c], annualCapacity: (n % 1000) + 1 } } }));
    const READ = parse('{ trainees(first: 200) { edges { node { id nik fullName birthDate } } } }');
    const read = (ms: number) => load(readerApp, reader.token, CLIENTS, ms, () => ({ query: READ }));

    const [mOn, mOff, rOn, rOff]: Round[][] = [[], [], [], []];
    await setLog(true);
    await mutate(3000);
    await read(3000);
    for (let i = 0; i < ROUNDS; i++) {
      await setLog(true);
      mOn.push(await mutate(ROUND_MS));
      rOn.push(await read(ROUND_MS));
      await setLog(false);
      mOff.push(await mutate(ROUND_MS));
      rOff.push(await read(ROUND_MS));
    }
    // The delay, over a last round with the log on throughout (events of the off rounds waited for it).
    await setLog(true);
    await app.auditLog.sync();
    const since = new Date();
    await mutate(ROUND_MS);
    await new Promise((r) => setTimeout(r, 1500));
    await app.auditLog.sync();

    const [delay] = await sql.execute<{ p50: number; p99: number; n: number }[]>(
      `select percentile_cont(0.5) within group (order by d) as p50, percentile_cont(0.99) within group (order by d) as p99, count(*)::int as n
         from (select extract(epoch from (select min(c.created_at) from audit_log_checkpoint c where c.size > l.idx) - e.occurred_at) as d
                 from audit_event e join audit_log_leaf l on l.kind = 'event' and l.ref = e.seq::text
                where e.occurred_at >= ?) x`,
      [since],
    );
    const large = await verifyLarge(LEAVES);

    console.log(
      `The audit log's cost, ${ROUNDS} alternating rounds of ${ROUND_MS} ms, ${CLIENTS} clients at once (log on: integrated and signed every second, reads queued; off: neither)`,
    );
    console.log(`mutations (updateInstitution):   on ${fmt(mOn)}; off ${fmt(mOff)}; ${ratio(mOn, mOff)}  (goal: within 5 %)`);
    console.log(`reads of 200 shared trainees in full, 200 read-log leaves each: on ${fmt(rOn)}; off ${fmt(rOff)}; ${ratio(rOn, rOff)}  (goal: within 10 %)`);
    console.log(
      `event to signed checkpoint: p50 ${Number(delay.p50).toFixed(3)} s, p99 ${Number(delay.p99).toFixed(3)} s over ${delay.n} events  (goal: p99 ≤ 2 s)`,
    );
    console.log(
      `offline verifier, a bundle of ${LEAVES.toLocaleString('en')} entries: ${large.seconds.toFixed(1)} s (${large.ok ? 'every leaf, content and the root verified' : 'FAILED'})`,
    );
    await editor.close();
    await reader.close();
  } finally {
    await db.close();
  }
}

runMain(main);
