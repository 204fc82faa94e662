/**
 * Isolation as a property (fast-check): random sequences of creates, MoU
 * drafts with random clauses, signatures, expiries and terminations across
 * three fresh ministries. After every step each ministry's view must equal
 * what a simple model of access-model.md allows — exactly the readable rows,
 * and a trainee's NIK in full only where a personal-data clause is in force.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ministry } from '../src/modules/ministry/ministry.entity';
import { Mou, todayInJakarta } from '../src/modules/mou/mou.entity';
import { toGlobalId } from '../src/shared/global-id';
import * as ops from './generated/graphql';
import { expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

type Kind = 'INSTITUTION' | 'TRAINEE';
type Cmd =
  | { op: 'create'; m: number; kind: Kind }
  | { op: 'draft'; drafter: number; other: number; providerIsDrafter: boolean; kinds: Kind[]; personal: boolean }
  | { op: 'sign' | 'expire' | 'terminate'; mou: number };

interface ModelMou { id: string; parties: [number, number]; provider: number; recipient: number; kinds: Kind[]; personal: boolean; state: 'DRAFT' | 'ACTIVE' | 'EXPIRED' | 'TERMINATED' }
interface ModelRow { id: string; kind: Kind; owner: number; nik?: string }

let t: TestApp;
let runs = 0;
let steps = 0;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
  console.log(`isolation property: ${runs} runs, ${steps} steps`);
});

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('create' as const), m: fc.nat(2), kind: fc.constantFrom<Kind>('INSTITUTION', 'TRAINEE') }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('draft' as const), drafter: fc.nat(2), other: fc.nat(2), providerIsDrafter: fc.boolean(),
      kinds: fc.subarray<Kind>(['INSTITUTION', 'TRAINEE'], { minLength: 1 }), personal: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('sign' as const, 'expire' as const, 'terminate' as const), mou: fc.nat(5) }) },
);

describe('isolation property', () => {
  it('every ministry sees exactly what the model of the rules allows, after every step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 2, maxLength: 10 }), async (cmds) => {
        runs++;
        const em = t.em();
        const tag = Math.random().toString(36).slice(2, 8).toUpperCase();
        const ministries = [0, 1, 2].map((i) => em.create(Ministry, { code: `P${tag}${i}`, name: `Kementerian Uji ${tag}${i}`, nameEn: `Test ministry ${tag}${i}` }));
        await em.flush();
        const codes = ministries.map((m) => m.code);
        const editors = await Promise.all(codes.map((c) => t.as(Role.EDITOR, c)));
        const admins = await Promise.all(codes.map((c) => t.as(Role.ADMIN, c)));
        const viewers = await Promise.all(codes.map((c) => t.as(Role.VIEWER, c)));
        const rows: ModelRow[] = [];
        const mous: ModelMou[] = [];

        const inForce = (m: ModelMou) => m.state === 'ACTIVE';
        const readable = (viewer: number, row: ModelRow) => row.owner === viewer || mous.some((m) => inForce(m) && m.provider === row.owner && m.recipient === viewer && m.kinds.includes(row.kind));
        const full = (viewer: number, row: ModelRow) => row.owner === viewer || mous.some((m) => inForce(m) && m.provider === row.owner && m.recipient === viewer && m.kinds.includes('TRAINEE') && m.personal);

        for (const cmd of cmds) {
          steps++;
          if (cmd.op === 'create' && cmd.kind === 'INSTITUTION') {
            const r = expectOk(await editors[cmd.m].exec(ops.CreateInstitutionDocument, { input: { name: `Inst ${tag}`, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 10 } }));
            rows.push({ id: r.createInstitution.id, kind: 'INSTITUTION', owner: cmd.m });
          } else if (cmd.op === 'create') {
            const nik = f.validNik();
            const r = expectOk(await editors[cmd.m].exec(ops.CreateTraineeDocument, { input: { nik, fullName: 'Prop Person', sex: 'FEMALE', birthDate: '1998-04-12', originProvinceCode: '35' } }));
            rows.push({ id: r.createTrainee.id, kind: 'TRAINEE', owner: cmd.m, nik });
          } else if (cmd.op === 'draft') {
            if (cmd.drafter === cmd.other) continue;
            const [provider, recipient] = cmd.providerIsDrafter ? [cmd.drafter, cmd.other] : [cmd.other, cmd.drafter];
            const mid = (i: number) => toGlobalId('Ministry', ministries[i].id);
            const r = expectOk(await editors[cmd.drafter].exec(ops.CreateMouDocument, { input: {
              title: `Prop MoU ${tag}`, scope: 'Property test', validFrom: '2025-01-01', validUntil: '2035-01-01', partyMinistryIds: [mid(cmd.other)],
              clauses: [{ providerMinistryId: mid(provider), recipientMinistryId: mid(recipient), resourceTypes: cmd.kinds as never, includesPersonalData: cmd.personal, purpose: 'Property-based isolation test' }],
            } }));
            mous.push({ id: r.createMou.id, parties: [cmd.drafter, cmd.other], provider, recipient, kinds: cmd.kinds, personal: cmd.personal, state: 'DRAFT' });
          } else {
            const mou = mous[cmd.mou];
            if (!mou) continue;
            if (cmd.op === 'sign' && mou.state === 'DRAFT') {
              for (const p of mou.parties) expectOk(await admins[p].exec(ops.SignMouDocument, { id: mou.id, name: 'Menteri', title: 'Menteri' }));
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
            const expectIds = (kind: Kind) => rows.filter((r) => r.kind === kind && readable(v, r)).map((r) => r.id).sort();
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
