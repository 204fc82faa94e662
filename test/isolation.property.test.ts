/**
 * Isolation as a property (fast-check): random sequences of creates, MoU
 * drafts with random clauses, signatures, expiries, terminations and
 * amendments — proposed, partly signed, rejected, withdrawn — and narrowings
 * across three fresh ministries. An amendment must never widen anything
 * before its last signature. After every step each ministry's view must equal
 * what a simple model of access-model.md allows — exactly the readable rows,
 * and a trainee's NIK in full only where a personal-data clause is in force.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ministry } from '../src/data/ministry.entity';
import { Mou } from '../src/modules/mou/mou.entity';
import { todayInJakarta } from '../src/shared/time';
import { toGlobalId } from '../src/shared/global-id';
import { draftDigest, pendingDigest } from './support/mou-digest';
import * as ops from './generated/graphql';
import { expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

type Kind = 'INSTITUTION' | 'TRAINEE';
type Cmd =
  | { op: 'create'; m: number; kind: Kind }
  | { op: 'draft'; drafter: number; other: number; providerIsDrafter: boolean; kinds: Kind[]; personal: boolean; signNow: boolean }
  | { op: 'sign' | 'expire' | 'terminate'; mou: number }
  | { op: 'propose'; mou: number; by: 0 | 1; providerIsFirst: boolean; kinds: Kind[]; personal: boolean }
  | { op: 'signAmendment' | 'reject' | 'withdraw'; mou: number; by: 0 | 1 }
  | { op: 'narrow'; mou: number; dropPersonal: boolean };

interface Clause {
  provider: number;
  recipient: number;
  kinds: Kind[];
  personal: boolean;
}
interface ModelMou extends Clause {
  id: string;
  parties: [number, number];
  state: 'DRAFT' | 'ACTIVE' | 'EXPIRED' | 'TERMINATED';
  pending: { proposal: Clause; proposer: number; signed: Set<number> } | null;
}
interface ModelRow {
  id: string;
  kind: Kind;
  owner: number;
  nik?: string;
}

let t: TestApp;
let runs = 0;
let steps = 0;
/** Amendment steps that reached the API (proposals, signatures, rejections, withdrawals, narrowings). */
const amendmentSteps: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
  console.log(`isolation property: ${runs} runs, ${steps} steps; amendment steps ${JSON.stringify(amendmentSteps)}`);
});

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('create' as const), m: fc.nat(2), kind: fc.constantFrom<Kind>('INSTITUTION', 'TRAINEE') }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('draft' as const),
      drafter: fc.nat(2),
      other: fc.nat(2),
      providerIsDrafter: fc.boolean(),
      kinds: fc.subarray<Kind>(['INSTITUTION', 'TRAINEE'], { minLength: 1 }),
      personal: fc.boolean(),
      signNow: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('sign' as const, 'sign' as const, 'expire' as const, 'terminate' as const), mou: fc.nat(2) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('propose' as const),
      mou: fc.nat(2),
      by: fc.constantFrom<0 | 1>(0, 1),
      providerIsFirst: fc.boolean(),
      kinds: fc.subarray<Kind>(['INSTITUTION', 'TRAINEE'], { minLength: 1 }),
      personal: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constantFrom('signAmendment' as const, 'signAmendment' as const, 'reject' as const, 'withdraw' as const),
      mou: fc.nat(2),
      by: fc.constantFrom<0 | 1>(0, 1),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('narrow' as const), mou: fc.nat(2), dropPersonal: fc.boolean() }) },
);

describe('isolation property', () => {
  it('every ministry sees exactly what the model of the rules allows, after every step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 2, maxLength: 14 }), async (cmds) => {
        runs++;
        const em = t.em();
        const tag = Math.random().toString(36).slice(2, 8).toUpperCase();
        const ministries = [0, 1, 2].map((i) =>
          em.create(Ministry, { code: `P${tag}${i}`, name: `Kementerian Uji ${tag}${i}`, nameEn: `Test ministry ${tag}${i}` }),
        );
        await em.flush();
        const codes = ministries.map((m) => m.code);
        const editors = await Promise.all(codes.map((c) => t.as(Role.EDITOR, c)));
        const admins = await Promise.all(codes.map((c) => t.as(Role.ADMIN, c)));
        const viewers = await Promise.all(codes.map((c) => t.as(Role.VIEWER, c)));
        const rows: ModelRow[] = [];
        const mous: ModelMou[] = [];
        // Every run starts with one MoU in force (0 shares institutions with 1), so amendments have something to work on.
        {
          const mid = (i: number) => toGlobalId('Ministry', ministries[i].id);
          const r = expectOk(
            await editors[0].exec(ops.CreateMouDocument, {
              input: {
                title: `Prop MoU ${tag}`,
                scope: 'Property test',
                validFrom: '2025-01-01',
                validUntil: '2035-01-01',
                partyMinistryIds: [mid(1)],
                clauses: [
                  {
                    providerMinistryId: mid(0),
                    recipientMinistryId: mid(1),
                    resourceTypes: ['INSTITUTION'] as never,
                    includesPersonalData: false,
                    purpose: 'Property-based isolation test',
                  },
                ],
              },
            }),
          );
          for (const p of [0, 1])
            expectOk(
              await admins[p].exec(ops.SignMouDocument, {
                id: r.createMou.id,
                digest: r.createMou.digest!,
                name: 'Menteri',
                title: 'Menteri',
              }),
            );
          mous.push({
            id: r.createMou.id,
            parties: [0, 1],
            provider: 0,
            recipient: 1,
            kinds: ['INSTITUTION'],
            personal: false,
            state: 'ACTIVE',
            pending: null,
          });
        }

        const inForce = (m: ModelMou) => m.state === 'ACTIVE';
        const readable = (viewer: number, row: ModelRow) =>
          row.owner === viewer || mous.some((m) => inForce(m) && m.provider === row.owner && m.recipient === viewer && m.kinds.includes(row.kind));
        const full = (viewer: number, row: ModelRow) =>
          row.owner === viewer ||
          mous.some((m) => inForce(m) && m.provider === row.owner && m.recipient === viewer && m.kinds.includes('TRAINEE') && m.personal);

        for (const cmd of cmds) {
          steps++;
          if (cmd.op === 'create' && cmd.kind === 'INSTITUTION') {
            const r = expectOk(
              await editors[cmd.m].exec(ops.CreateInstitutionDocument, {
                input: { name: `Inst ${tag}`, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 10 },
              }),
            );
            rows.push({ id: r.createInstitution.id, kind: 'INSTITUTION', owner: cmd.m });
          } else if (cmd.op === 'create') {
            const nik = f.validNik();
            const r = expectOk(
              await editors[cmd.m].exec(ops.CreateTraineeDocument, {
                input: { nik, fullName: 'Prop Person', sex: 'FEMALE', birthDate: '1998-04-12', originProvinceCode: '35' },
              }),
            );
            rows.push({ id: r.createTrainee.id, kind: 'TRAINEE', owner: cmd.m, nik });
          } else if (cmd.op === 'draft') {
            if (cmd.drafter === cmd.other) continue;
            const [provider, recipient] = cmd.providerIsDrafter ? [cmd.drafter, cmd.other] : [cmd.other, cmd.drafter];
            const mid = (i: number) => toGlobalId('Ministry', ministries[i].id);
            const r = expectOk(
              await editors[cmd.drafter].exec(ops.CreateMouDocument, {
                input: {
                  title: `Prop MoU ${tag}`,
                  scope: 'Property test',
                  validFrom: '2025-01-01',
                  validUntil: '2035-01-01',
                  partyMinistryIds: [mid(cmd.other)],
                  clauses: [
                    {
                      providerMinistryId: mid(provider),
                      recipientMinistryId: mid(recipient),
                      resourceTypes: cmd.kinds as never,
                      includesPersonalData: cmd.personal,
                      purpose: 'Property-based isolation test',
                    },
                  ],
                },
              }),
            );
            mous.push({
              id: r.createMou.id,
              parties: [cmd.drafter, cmd.other],
              provider,
              recipient,
              kinds: cmd.kinds,
              personal: cmd.personal,
              state: 'DRAFT',
              pending: null,
            });
            if (cmd.signNow) {
              for (const p of [cmd.drafter, cmd.other])
                expectOk(
                  await admins[p].exec(ops.SignMouDocument, {
                    id: r.createMou.id,
                    digest: r.createMou.digest!,
                    name: 'Menteri',
                    title: 'Menteri',
                  }),
                );
              mous.at(-1)!.state = 'ACTIVE';
            }
          } else if (cmd.op === 'propose' || cmd.op === 'signAmendment' || cmd.op === 'reject' || cmd.op === 'withdraw' || cmd.op === 'narrow') {
            const mou = mous[cmd.mou % mous.length];
            if (!mou || mou.state !== 'ACTIVE') continue;
            amendmentSteps[cmd.op] = (amendmentSteps[cmd.op] ?? 0) + 1;
            const mid = (i: number) => toGlobalId('Ministry', ministries[i].id);
            if (cmd.op === 'propose') {
              const by = mou.parties[cmd.by];
              const [provider, recipient] = cmd.providerIsFirst ? mou.parties : [mou.parties[1], mou.parties[0]];
              const res = await admins[by].exec(ops.AmendMouDocument, {
                input: {
                  id: mou.id,
                  reason: 'Property amendment',
                  validUntil: '2036-01-01',
                  clauses: [
                    {
                      providerMinistryId: mid(provider),
                      recipientMinistryId: mid(recipient),
                      resourceTypes: cmd.kinds as never,
                      includesPersonalData: cmd.personal,
                      purpose: 'Property-based amendment',
                    },
                  ],
                },
              });
              if (mou.pending) {
                expect(res.errors?.[0]?.extensions?.code).toBe('CONFLICT');
              } else {
                expectOk(res);
                mou.pending = { proposal: { provider, recipient, kinds: cmd.kinds, personal: cmd.personal }, proposer: by, signed: new Set([by]) };
              }
            } else if (cmd.op === 'signAmendment') {
              const by = mou.parties[cmd.by];
              if (!mou.pending || mou.pending.signed.has(by)) continue;
              expectOk(
                await admins[by].exec(ops.SignMouAmendmentDocument, {
                  id: mou.id,
                  digest: await pendingDigest(t.em(), mou.id),
                  name: 'Menteri',
                  title: 'Menteri',
                }),
              );
              mou.pending.signed.add(by);
              if (mou.parties.every((p) => mou.pending!.signed.has(p))) {
                Object.assign(mou, mou.pending.proposal);
                mou.pending = null;
              }
            } else if (cmd.op === 'reject' || cmd.op === 'withdraw') {
              const by = mou.parties[cmd.by];
              if (!mou.pending || (cmd.op === 'withdraw') !== (by === mou.pending.proposer)) continue;
              if (cmd.op === 'reject') expectOk(await admins[by].exec(ops.RejectMouAmendmentDocument, { id: mou.id, reason: 'Property decision' }));
              else expectOk(await admins[by].exec(ops.WithdrawMouAmendmentDocument, { id: mou.id, reason: 'Property decision' }));
              mou.pending = null;
            } else if (cmd.op === 'narrow') {
              // The provider withdraws consent: personal data off, or the clause's last kind dropped.
              const detail = expectOk(await admins[mou.provider].exec(ops.MouDetailDocument, { id: mou.id })).node as { clauses: { id: string }[] };
              if (mou.kinds.length === 0 || detail.clauses.length === 0) continue;
              const dropPersonal = cmd.dropPersonal && mou.personal;
              const keep = dropPersonal ? mou.kinds : mou.kinds.slice(1);
              expectOk(
                await admins[mou.provider].exec(ops.NarrowMouClauseDocument, {
                  input: {
                    clauseId: detail.clauses[0].id,
                    reason: 'Property narrowing',
                    ...(dropPersonal ? { includesPersonalData: false } : { keepResourceTypes: keep as never }),
                  },
                }),
              );
              if (dropPersonal) mou.personal = false;
              else mou.kinds = keep;
              mou.pending?.signed.delete(mou.provider);
            }
          } else {
            const mou = mous[cmd.mou];
            if (!mou) continue;
            if (cmd.op === 'sign' && mou.state === 'DRAFT') {
              for (const p of mou.parties)
                expectOk(
                  await admins[p].exec(ops.SignMouDocument, { id: mou.id, digest: await draftDigest(t.em(), mou.id), name: 'Menteri', title: 'Menteri' }),
                );
              mou.state = 'ACTIVE';
            } else if (cmd.op === 'expire' && mou.state === 'ACTIVE') {
              await t.em().nativeUpdate(Mou, { id: Buffer.from(mou.id, 'base64url').toString().split(':')[1] }, { validUntil: todayInJakarta() });
              mou.state = 'EXPIRED';
            } else if (cmd.op === 'terminate' && mou.state === 'ACTIVE') {
              expectOk(await admins[mou.parties[1]].exec(ops.TerminateMouDocument, { id: mou.id, reason: 'Property test' }));
              mou.state = 'TERMINATED';
            }
          }
          for (let v = 0; v < 3; v++) {
            const inst = expectOk(await viewers[v].exec(ops.InstitutionsDocument, { first: 1000 })).institutions;
            const trainees = expectOk(await viewers[v].exec(ops.TraineesDocument, { first: 1000 })).trainees;
            const expectIds = (kind: Kind) =>
              rows
                .filter((r) => r.kind === kind && readable(v, r))
                .map((r) => r.id)
                .sort();
            expect(inst.edges.map((e) => e.node.id).sort()).toEqual(expectIds('INSTITUTION'));
            expect(inst.totalCount).toBe(expectIds('INSTITUTION').length);
            expect(trainees.edges.map((e) => e.node.id).sort()).toEqual(expectIds('TRAINEE'));
            for (const e of trainees.edges) {
              const row = rows.find((r) => r.id === e.node.id)!;
              expect(e.node.nik === row.nik, `nik of ${row.id} as ministry ${v}`).toBe(full(v, row));
              if (!full(v, row)) expect(e.node.nik).toMatch(/^\d{4}\*{10}\d{2}$/);
            }
          }
        }
      }),
      { numRuns: 40, verbose: 1 },
    );
  }, 300_000);
});
