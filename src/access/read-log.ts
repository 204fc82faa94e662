/**
 * The personal-data read log as the request sees it: every full personal value
 * a ministry reads from another ministry's row is recorded, with the clause
 * that allowed it (law 27/2022, issue 8). modules/personal-data/personal-data.log.ts
 * writes it; the resolvers of personal fields record into it through the context.
 */
import type { Grant } from './scope';
import type { ResourceType } from '../shared/enums';

/** One personal value read: of which record, whose, under which clause, which field. */
export interface ReadEntry {
  resourceType: ResourceType;
  recordId: string;
  ownerMinistryId: string;
  grant: Grant;
  field: string;
}

/** One read-log row as written: ids only, so it can be written again on another connection. */
export interface ReadRow {
  readerAccountId: string;
  readerMinistryId: string;
  ownerMinistryId: string;
  resourceType: ResourceType;
  recordId: string;
  fields: string[];
  clauseId: string;
  mouId: string;
}

export interface ReadLog {
  /** Records one value read; resolves once its row is in the request's transaction. */
  record(entry: ReadEntry): Promise<true>;
  /** Every row this request has written to its transaction so far. */
  written(): readonly ReadRow[];
}
