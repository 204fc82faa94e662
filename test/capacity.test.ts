/**
 * A programme's intake holds `capacityPerIntake` applicants and participants
 * and no more (issue 9), however many requests race for the last places.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../src/context';
import { Enrollment } from '../src/modules/enrollment/enrollment.entity';
import { EnrollmentStatus } from '../src/shared/enums';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { Role, startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function programWithPeople(capacity: number, people: number) {
  const em = t.em();
  const m = await t.ministry('KEMNAKER');
  const inst = f.institution(em, m);
  const prog = f.program(em, inst, { capacityPerIntake: capacity } as never);
  const trainees = Array.from({ length: people }, () => f.trainee(em, m));
  await em.flush();
  return { prog, trainees };
}

describe('capacity per intake', () => {
  it('200 concurrent enrollments into a programme of 30 places leave exactly 30; the rest are CONFLICT', async () => {
    const { prog, trainees } = await programWithPeople(30, 200);
    const editor = await t.as(Role.EDITOR, 'KEMNAKER');
    const results = await Promise.all(
      trainees.map((p) => editor.exec(ops.CreateEnrollmentDocument, { input: { programId: f.gid(prog), traineeId: f.gid(p) } })),
    );
    const ok = results.filter((r) => !r.errors);
    const refused = results.filter((r) => r.errors);
    expect(ok).toHaveLength(30);
    for (const r of refused) expectError(r, 'CONFLICT', 'input.programId');
    expect(await t.em().count(Enrollment, { program: prog.id })).toBe(30);
  }, 120_000);

  it('places that are given up free up; re-activating one needs a free place', async () => {
    const { prog, trainees } = await programWithPeople(2, 3);
    const editor = await t.as(Role.EDITOR, 'KEMNAKER');
    const [a, b] = await Promise.all(
      trainees
        .slice(0, 2)
        .map(
          async (p) =>
            expectOk(await editor.exec(ops.CreateEnrollmentDocument, { input: { programId: f.gid(prog), traineeId: f.gid(p) } })).createEnrollment.id,
        ),
    );
    expectError(
      await editor.exec(ops.CreateEnrollmentDocument, { input: { programId: f.gid(prog), traineeId: f.gid(trainees[2]) } }),
      'CONFLICT',
      'input.programId',
    );
    expectOk(await editor.exec(ops.UpdateEnrollmentDocument, { input: { id: a, status: 'DROPPED' } }));
    const c = expectOk(await editor.exec(ops.CreateEnrollmentDocument, { input: { programId: f.gid(prog), traineeId: f.gid(trainees[2]) } })).createEnrollment
      .id;
    expectError(await editor.exec(ops.UpdateEnrollmentDocument, { input: { id: a, status: 'ENROLLED' } }), 'CONFLICT', 'input.status');
    // Moving between two place-holding states keeps the place.
    expectOk(await editor.exec(ops.UpdateEnrollmentDocument, { input: { id: b, status: 'ENROLLED' } }));
    expect([b, c]).toHaveLength(2);
  });

  it('the database holds the line for SQL past the API too', async () => {
    const { prog, trainees } = await programWithPeople(1, 2);
    let error = '';
    const editor = await t.as(Role.EDITOR, 'KEMNAKER', async (ctx: Context) => {
      for (const p of trainees) {
        await ctx.em.execute('savepoint probe');
        try {
          await ctx.em.execute(
            `insert into enrollment (id, owner_ministry_id, trainee_id, program_id, status) values (gen_random_uuid(), ?, ?, ?, 'ENROLLED')`,
            [prog.ownerMinistry.id, p.id, prog.id],
          );
          await ctx.em.execute('release savepoint probe');
        } catch (e) {
          error = String((e as Error).message);
          await ctx.em.execute('rollback to savepoint probe');
        }
      }
    });
    expectOk(await editor.exec(ops.ViewerDocument, {}));
    expect(error).toMatch(/is full/);
  });
});
