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

  it('a capacity cannot drop below the places taken: the API says so, and the database holds it for SQL past the API', async () => {
    const { prog, trainees } = await programWithPeople(30, 6);
    const editor = await t.as(Role.EDITOR, 'KEMNAKER');
    for (const p of trainees) expectOk(await editor.exec(ops.CreateEnrollmentDocument, { input: { programId: f.gid(prog), traineeId: f.gid(p) } }));
    expectError(await editor.exec(ops.UpdateProgramDocument, { input: { id: f.gid(prog), capacityPerIntake: 5 } }), 'CONFLICT', 'input.capacityPerIntake');
    // Down to exactly the places taken is fine; the 30 places stay until then.
    expectOk(await editor.exec(ops.UpdateProgramDocument, { input: { id: f.gid(prog), capacityPerIntake: 6 } }));
    let error = '';
    const insider = await t.as(Role.EDITOR, 'KEMNAKER', async (ctx: Context) => {
      await ctx.em.execute('savepoint probe');
      try {
        await ctx.em.execute('update program set capacity_per_intake = 2 where id = ?', [prog.id]);
      } catch (e) {
        error = String((e as Error).message);
      }
      await ctx.em.execute('rollback to savepoint probe');
    });
    expectOk(await insider.exec(ops.ViewerDocument, {}));
    expect(error).toMatch(/6 places taken/);
    const [{ capacity_per_intake: cap }] = await t.em().getConnection().execute('select capacity_per_intake from program where id = ?', [prog.id]);
    expect(cap).toBe(6);
  });
});

describe('enrollment dates tell one story', () => {
  it('COMPLETED needs both dates, completed by today; no certificate issued in the future or before enrolling', async () => {
    const { prog, trainees } = await programWithPeople(10, 3);
    const editor = await t.as(Role.EDITOR, 'KEMNAKER');
    const create = (input: Partial<ops.CreateEnrollmentInput>, i = 0) =>
      editor.exec(ops.CreateEnrollmentDocument, { input: { programId: f.gid(prog), traineeId: f.gid(trainees[i]), ...input } });
    const before = await t.em().count(Enrollment, { program: prog.id });
    expectError(await create({ status: 'COMPLETED' }), 'BAD_USER_INPUT', 'input.enrolledOn');
    expectError(await create({ status: 'COMPLETED', enrolledOn: '2025-01-10' }), 'BAD_USER_INPUT', 'input.completedOn');
    expectError(await create({ status: 'COMPLETED', enrolledOn: '2025-01-10', completedOn: '2099-01-01' }), 'BAD_USER_INPUT', 'input.completedOn');
    expectError(await create({ enrolledOn: '2025-01-10', certificateIssuedOn: '2099-01-01' }), 'BAD_USER_INPUT', 'input.certificateIssuedOn');
    expectError(await create({ enrolledOn: '2025-01-10', certificateIssuedOn: '2024-12-31' }), 'BAD_USER_INPUT', 'input.certificateIssuedOn');
    expect(await t.em().count(Enrollment, { program: prog.id })).toBe(before);
    const done = expectOk(
      await create({ status: 'COMPLETED', enrolledOn: '2025-01-10', completedOn: '2025-04-10', certificateIssuedOn: '2025-04-20' }),
    ).createEnrollment;
    // Updates are checked on the record as it would be: no sequence of edits reaches what one could not.
    expectError(await editor.exec(ops.UpdateEnrollmentDocument, { input: { id: done.id, completedOn: null } }), 'BAD_USER_INPUT', 'input.completedOn');
    const open = expectOk(await create({ status: 'ENROLLED' }, 1)).createEnrollment;
    expectError(await editor.exec(ops.UpdateEnrollmentDocument, { input: { id: open.id, status: 'COMPLETED' } }), 'BAD_USER_INPUT', 'input.enrolledOn');
    expectOk(
      await editor.exec(ops.UpdateEnrollmentDocument, { input: { id: open.id, status: 'COMPLETED', enrolledOn: '2025-02-01', completedOn: '2025-05-01' } }),
    );
  });
});
