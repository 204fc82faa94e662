import { field } from '../../resource/fields';
import { ownedEntity } from '../../resource/owned-entity';
import { EnrollmentStatus } from '../../shared/enums';
import { Program } from '../program/program.entity';
import { Trainee } from '../trainee/trainee.entity';

export const Enrollment = ownedEntity('Enrollment', {
  description: 'A trainee’s place in a programme, and the certificate it led to.',
  fields: {
    trainee: field.reference(() => Trainee, {
      description: 'Null when the trainee is outside your read scope.',
      inputDescription: 'A trainee you can read (your own, or shared with you).',
      update: false,
      index: 'withOwner',
      filter: 'eq',
    }),
    program: field.reference(() => Program, { access: 'writable', update: false, index: 'withOwner', filter: 'eq' }),
    status: field.enum(EnrollmentStatus, 'enrollment_status', { description: 'Where the enrollment stands.', default: EnrollmentStatus.APPLIED, filter: 'eq' }),
    enrolledOn: field.date({ description: 'The day training began for this trainee.', nullable: true, sort: 'ENROLLED_ON' }),
    completedOn: field.date({ description: 'The day the trainee completed, dropped out or failed; not before `enrolledOn`.', nullable: true }),
    certificateIssuer: field.text({ description: 'Competency certificate issuer, e.g. an LSP licensed by BNSP.', nullable: true, length: [1, 200] }),
    certificateScheme: field.text({ description: 'The certification scheme of the certificate, e.g. a BNSP/LSP scheme.', nullable: true, length: [1, 200] }),
    certificateNumber: field.text({ description: 'Number of the competency certificate.', nullable: true, length: [1, 100] }),
    certificateIssuedOn: field.date({ description: 'The day the certificate was issued.', nullable: true }),
  },
  unique: [['trainee', 'program']],
});
export type Enrollment = InstanceType<typeof Enrollment>;
