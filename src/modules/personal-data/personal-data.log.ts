import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { Grant } from '../../access/scope';
import type { Viewer } from '../../access/roles';
import { ResourceType } from '../../shared/enums';
import { Ministry } from '../../kernel/ministry.entity';
import { DataSharingClause } from '../mou/data-sharing-clause.entity';
import { Mou } from '../mou/mou.entity';
import { PersonalDataRead } from './personal-data-read.entity';
import { present } from '../../shared/present';

export interface ReadEntry {
  resourceType: ResourceType;
  recordId: string;
  ownerMinistryId: string;
  grant: Grant;
  field: string;
}

/**
 * Records reads of full personal data by non-owners. Resolvers await `record`
 * before returning a value, and it writes in the request's own transaction:
 * no value leaves without its log row. One row per record and clause per
 * request, listing the fields read (batched across all resolvers of a tick).
 */
export class PersonalDataLog {
  private readonly loader: DataLoader<ReadEntry, true, string>;

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
        for (const { entry, fields } of rows.values()) {
          this.em.create(PersonalDataRead, {
            readerAccountId: this.viewer.accountId,
            readerMinistry: this.em.getReference(Ministry, present(this.viewer.ministryId, "the reader's ministry")),
            ownerMinistry: this.em.getReference(Ministry, entry.ownerMinistryId),
            resourceType: entry.resourceType,
            recordId: entry.recordId,
            fields: [...fields].sort(),
            clause: this.em.getReference(DataSharingClause, entry.grant.clauseId),
            mou: this.em.getReference(Mou, entry.grant.mouId),
          });
        }
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
