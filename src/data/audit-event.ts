/**
 * The content of one audit event, as the audit chain hashes and stores it (modules/audit/audit.chain.ts), and
 * the function that appends one in the request's transaction. Declared here, below the request's context,
 * so that the context can carry the appender without importing the audit module above it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

export interface EventContent {
  occurredAt: string;
  requestId: string | null;
  actorAccountId: string | null;
  actorMinistryId: string | null;
  actorRole: string | null;
  operation: string;
  entityType: string;
  entityId: string | null;
  subjectMinistryId: string | null;
  changes: unknown[];
}

/** Appends one mutation's event in the request's transaction. */
export type AuditAppender = (em: EntityManager, key: string, content: EventContent) => Promise<unknown>;
