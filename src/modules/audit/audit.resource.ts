/** The tamper-evident audit log: one event per mutation, chained and checkpointed. */
import type { Resource } from '../../resource/resource';
import { AuditEvent, AuditSeal } from './audit-event.entity';
import { AuditResolver, MouAuditResolver } from './audit.resolver';
import { AuditLogResolver } from './log/audit-log.resolver';

export const auditResource: Resource = {
  name: 'AuditEvent',
  entities: [AuditEvent, AuditSeal],
  resolvers: [AuditResolver, MouAuditResolver, AuditLogResolver],
  queries: {
    auditEvents: { audience: 'audit-readers', scoped: true },
    verifyAuditLog: { audience: 'auditor', scoped: false },
    auditCheckpoint: { audience: 'auditor', scoped: false },
    auditLogCheckpoint: { audience: 'auditor', scoped: false },
    auditInclusionProof: { audience: 'auditor', scoped: false },
    auditConsistencyProof: { audience: 'auditor', scoped: false },
  },
  mutations: {},
};
