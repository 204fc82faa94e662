/** The tamper-evident audit log: one event per mutation, chained and checkpointed. */
import type { Resource, SubjectOf } from '../../resource/resource';
import { AuditEvent, AuditSeal } from './audit-event.entity';
import { AuditResolver, MouAuditResolver } from './audit.resolver';
import { AuditLogResolver } from './log/audit-log.resolver';
import { AuditWitnessResolver } from './log/witness.resolver';

/** A witness registration is about the witness, on behalf of the registrant's ministry (none for an auditor). */
const witnessSubject: SubjectOf = (result, { actorMinistryId }) => ({
  entityType: 'AuditWitness',
  entityId: (result as { id?: string } | null)?.id ?? null,
  subjectMinistryId: actorMinistryId,
});

export const auditResource: Resource = {
  name: 'AuditEvent',
  entities: [AuditEvent, AuditSeal],
  resolvers: [AuditResolver, MouAuditResolver, AuditLogResolver, AuditWitnessResolver],
  queries: {
    auditEvents: { audience: 'audit-readers', scoped: true },
    verifyAuditLog: { audience: 'auditor', scoped: false },
    auditCheckpoint: { audience: 'auditor', scoped: false },
    auditLogCheckpoint: { audience: 'auditor', scoped: false },
    auditInclusionProof: { audience: 'auditor', scoped: false },
    auditConsistencyProof: { audience: 'auditor', scoped: false },
    auditWitnesses: { audience: 'audit-readers', scoped: false },
    auditLogEntries: { audience: 'auditor', scoped: false },
    auditLogRangeProof: { audience: 'auditor', scoped: false },
    auditLogIndexAt: { audience: 'auditor', scoped: false },
  },
  mutations: {
    registerAuditWitness: { audience: 'audit-readers', scoped: true, audit: witnessSubject },
    revokeAuditWitness: { audience: 'audit-readers', scoped: true, audit: witnessSubject },
  },
};
