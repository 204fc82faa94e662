/** Enrollments: a trainee in a programme, owned by the programme's ministry. */
import { toGlobalId } from '../../shared/global-id';
import type { Context } from '../../context';
import { assignPresent, loadReadable, loadWritable } from '../../resource/owned-crud';
import { ownedResource } from '../../resource/owned-resource';
import { EnrollmentStatus } from '../../shared/enums';

import { fromGlobalId } from '../../shared/global-id';
import { Program } from '../program/program.entity';
import { Trainee } from '../trainee/trainee.entity';
import { Enrollment } from './enrollment.entity';
import { assertDates, assertPlaceFree, HOLDS_PLACE } from './enrollment.rules';

export const enrollmentResource = ownedResource({
  sharedByClause: true,
  entity: Enrollment,
  create: async ({ traineeId, programId, ...input }, ctx) => {
    // The enrollment belongs to the programme's ministry, so the programme must be the caller's own;
    // the trainee may be one shared with the caller under an MoU.
    const program = await loadWritable(ctx, Program, programId, 'input.programId');
    const trainee = await loadReadable(ctx, Trainee, traineeId, 'input.traineeId');
    assertDates({ ...input, status: input.status ?? EnrollmentStatus.APPLIED });
    if (HOLDS_PLACE.includes(input.status ?? EnrollmentStatus.APPLIED)) await assertPlaceFree(ctx, program, 'input.programId');
    return ctx.em.create(Enrollment, { ...input, program, trainee } as never, { persist: false });
  },
  update: async (row, input, ctx) => {
    const after = <K extends 'enrolledOn' | 'completedOn' | 'certificateIssuedOn'>(k: K) => (input[k] !== undefined ? input[k] : row[k]);
    assertDates({
      status: input.status ?? row.status,
      enrolledOn: after('enrolledOn'),
      completedOn: after('completedOn'),
      certificateIssuedOn: after('certificateIssuedOn'),
    });
    if (input.status && HOLDS_PLACE.includes(input.status) && !HOLDS_PLACE.includes(row.status)) {
      await assertPlaceFree(ctx, await ctx.em.findOneOrFail(Program, row.program.id), 'input.status', row.id);
    }
    assignPresent(row, input);
  },
  statistics: {
    totals: {
      participantCount: { sql: 'count(*)', description: 'Enrollments in any status.' },
      participantsInTraining: { sql: "count(*) filter (where t.status = 'ENROLLED')", description: 'Enrollments currently in training (ENROLLED).' },
    },
    breakdowns: {
      participantsByStatus: { description: 'Enrollments per status.', key: 't.status::text', label: 'enum' },
      participantsBySector: {
        description: "Enrollments per programme's sector.",
        join: 'join program p on p.id = t.program_id',
        key: 'p.sector::text',
        label: 'enum',
      },
      participantsByDestination: {
        description: "Enrollments per programme's destination country.",
        join: 'join program p on p.id = t.program_id cross join lateral unnest(p.target_country_codes) d(v)',
        key: 'd.v',
        label: 'country',
      },
      participantsInTrainingByMinistry: {
        key: "case when t.status = 'ENROLLED' then t.owner_ministry_id::text end",
        label: 'ministry',
        description: 'Participants currently in training, by the ministry running the programme.',
      },
    },
  },
  fixture: {
    row: (w) => ({ program: w.Program.id, trainee: w.Trainee.id, enrolledOn: '2025-11-03' }),
    // A trainee of its own: one enrollment per trainee and programme.
    create: async (w, fresh) => ({
      programId: toGlobalId('Program', w.Program.id),
      traineeId: toGlobalId('Trainee', (await fresh('Trainee')).id),
      status: 'ENROLLED',
      enrolledOn: '2026-01-05',
    }),
    bad: [
      ['completed before enrolled', (v) => ({ ...v, completedOn: '2025-01-01' }), 'input.completedOn'],
      ['a programme id that is not a Program', (v) => ({ ...v, programId: v.traineeId }), 'input.programId'],
    ],
    change: { status: 'COMPLETED', completedOn: '2026-06-30', certificateIssuer: 'LSP Pariwisata', certificateNumber: 'LSP-001' },
    badChange: [{ completedOn: '2020-01-01' }, 'input.completedOn'],
  },
});
