import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { ReadEntry, ReadLog, ReadRow } from '../../access/read-log';
import type { Viewer } from '../../access/roles';
import { ResourceType } from '../../shared/enums';
import { Ministry } from '../../data/ministry.entity';
import { DataSharingClause, Mou } from '../mou/mou.entity';
import { PersonalDataRead } from './personal-data-read.entity';
import { present } from '../../shared/present';

/** Adds `rows` to the unit of work of `em` (flushed with it). */
export function createReadRows(em: EntityManager, rows: readonly ReadRow[]): void {
  for (const r of rows) {
    em.create(PersonalDataRead, {
      readerAccountId: r.readerAccountId,
      readerMinistry: em.getReference(Ministry, r.readerMinistryId),
      ownerMinistry: em.getReference(Ministry, r.ownerMinistryId),
      resourceType: r.resourceType,
      recordId: r.recordId,
      fields: r.fields,
      clause: em.getReference(DataSharingClause, r.clauseId),
      mou: em.getReference(Mou, r.mouId),
    });
  }
}

/**
 * Records reads of full personal data by non-owners. Resolvers await `record`
 * before returning a value, and it writes in the request's own transaction:
 * no value leaves without its log row. One row per record and clause per
 * request, listing the fields read (batched across all resolvers of a tick).
 *
 * A read is a read whatever becomes of the request (issue 29): a rule that
 * consulted a birth date and then refused, or a mutation rolled back with
 * its request, still read it, or the outcome would be an oracle. So the rows
 * written are kept here too (`written`), and a request whose transaction does
 * not commit writes them again on their own (server/request-context.ts, `keepReads`).
 */
export class PersonalDataLog implements ReadLog {
  private readonly loader: DataLoader<ReadEntry, true, string>;
  private readonly rows: ReadRow[] = [];

  /** Every row this request has written to its transaction so far. */
  written(): readonly ReadRow[] {
    return this.rows;
  }

  constructor(
    private readonly em: EntityManager,
    private readonly viewer: Viewer,
  ) {
    this.loader = new DataLoader(
      async (entries) => {
        const rows = new Map<string, { entry: ReadEntry; fields: Set<string> }>();
        for (const e of entries) {
          const key = `${e.recordId}:${e.grant.clauseId}`;
          const row = rows.get(key) ?? { entry: e, fields: new Set<string>() };
          row.fields.add(e.field);
          rows.set(key, row);
        }
        const batch: ReadRow[] = [...rows.values()].map(({ entry, fields }) => ({
          readerAccountId: this.viewer.accountId,
          readerMinistryId: present(this.viewer.ministryId, "the reader's ministry"),
          ownerMinistryId: entry.ownerMinistryId,
          resourceType: entry.resourceType,
          recordId: entry.recordId,
          fields: [...fields].sort(),
          clauseId: entry.grant.clauseId,
          mouId: entry.grant.mouId,
        }));
        // Noted before the flush: a flush that fails midway may still have read what it logs.
        this.rows.push(...batch);
        createReadRows(this.em, batch);
        await this.em.flush();
        return entries.map(() => true as const);
      },
      { cacheKeyFn: (e) => `${e.recordId}:${e.grant.clauseId}:${e.field}` },
    );
  }

  record(entry: ReadEntry): Promise<true> {
    return this.loader.load(entry);
  }
}
