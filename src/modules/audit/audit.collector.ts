/**
 * Collects what each flush changes, per EntityManager (so per request), for
 * the audit event of the mutation in progress. Values are copied when the
 * flush happens; personal data and password hashes are redacted here, before
 * they can reach the log.
 */
import { maskerOf } from '../../access/masking';
import type { RowWriteRecorder } from '../../data/row-update';
import { wrap, type ChangeSet, type EntityManager, type EventSubscriber, type FlushEventArgs } from '@mikro-orm/core';

export interface FieldChange {
  before: unknown;
  after: unknown;
}
export interface RecordedChange {
  entity: string;
  id: string;
  op: 'create' | 'update' | 'delete';
  fields: Record<string, FieldChange>;
}

/** Fields whose values never enter the log: personal data (UU 27/2022) and credentials. */
const isRedacted = (entity: Function, field: string) => maskerOf(entity, field) !== undefined || (entity.name === 'Account' && field === 'passwordHash');
/** Writes that are not changes of programme data: the read log is its own record. */
const NOT_AUDITED = new Set(['PersonalDataRead', 'AuditEvent']);
const REDACTED = '[redacted]';

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    if ('id' in value) return (value as { id: unknown }).id;
    return JSON.parse(JSON.stringify(value));
  }
  return value === undefined ? null : value;
}

const changes = new WeakMap<EntityManager, RecordedChange[]>();
/** EntityManagers whose current mutation records a summary instead (bulk imports): nothing to collect. */
const summarised = new WeakSet<EntityManager>();

export function takeChanges(em: EntityManager): RecordedChange[] {
  const list = changes.get(em) ?? [];
  changes.set(em, []);
  summarised.delete(em);
  return list;
}

/** The mutation in progress will describe its changes itself (`ctx.mutation.summary`): skip recording each row. */
export function summariseChanges(em: EntityManager): void {
  summarised.add(em);
}

/**
 * One row's change as the audit event records it: for each field, its value
 * before and after (null for the side that does not exist), personal values
 * and credentials redacted. `original` and `payload` are property-keyed, as
 * the ORM's change sets carry them; a delete lists every field of `original`.
 */
function describeChange(
  type: Function,
  id: string,
  op: RecordedChange['op'],
  original: Record<string, unknown>,
  payload: Record<string, unknown>,
): RecordedChange {
  const keys = op === 'delete' ? Object.keys(original) : Object.keys(payload);
  const fields: Record<string, FieldChange> = {};
  for (const key of keys) {
    const hide = isRedacted(type, key);
    fields[key] = {
      before: op === 'create' ? null : hide ? REDACTED : plain(original[key]),
      after: op === 'delete' ? null : hide ? REDACTED : plain(payload[key]),
    };
  }
  return { entity: type.name, id, op, fields };
}

/** Adds a change to the mutation's record (unless it records a summary, or the entity is not audited). */
function recordChange(em: EntityManager, change: RecordedChange): void {
  if (summarised.has(em) || NOT_AUDITED.has(change.entity)) return;
  const list = changes.get(em) ?? [];
  list.push(change);
  changes.set(em, list);
}

export class AuditCollector implements EventSubscriber, RowWriteRecorder {
  /** A one-row update written without a flush (data/row-update.ts), recorded as the flush records one. */
  recordRowUpdate(em: EntityManager, entityName: string, id: string, before: Record<string, unknown>, payload: Record<string, unknown>): void {
    recordChange(em, describeChange(em.getMetadata().get(entityName).class, id, 'update', before, payload));
  }

  onFlush(args: FlushEventArgs): void {
    const em = args.em as EntityManager;
    for (const cs of args.uow.getChangeSets() as ChangeSet<object>[]) {
      const op = String(cs.type).startsWith('delete') ? 'delete' : String(cs.type).startsWith('update') ? 'update' : 'create';
      // A delete's change set carries no original data; the entity's own snapshot from when it was loaded does.
      const original = (cs.originalEntity ?? wrap(cs.entity, true).__originalEntityData ?? {}) as Record<string, unknown>;
      const id = String((cs.entity as { id?: unknown }).id ?? cs.getPrimaryKey(true));
      recordChange(em, describeChange(cs.meta.class, id, op, original, (cs.payload ?? {}) as Record<string, unknown>));
    }
  }
}
