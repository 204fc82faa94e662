/**
 * CSV export of a list the caller can read: the same filter and scope as the
 * GraphQL list, every personal field masked or logged exactly as the API
 * shows it. Relations are written as global ids, the owner as its code.
 */
import { Reference } from '@mikro-orm/core';
import { stringify } from 'csv-stringify/sync';
import { maskerOf } from '../access/masking';
import type { Context } from '../context';
import { Ministry } from '../data/ministry.entity';
import { personalValue } from './personal-field';
import type { OwnedEntity } from '../data/owned.entity';
import { neutraliseCell } from '../shared/csv-safety';
import { Pacer } from '../shared/pacing';
import { toGlobalId } from '../shared/global-id';
import type { ClassType } from 'type-graphql';
import { formatCell, OWNER_COLUMN, referenceOf } from './csv-layout';

/** A many-to-one value (a reference or an entity): its entity class and id, whatever the resource. */
function relationOf(v: unknown): { entity: ClassType<OwnedEntity>; id: string } | null {
  if (!v || typeof v !== 'object' || Array.isArray(v) || v instanceof Date || !('id' in v)) return null;
  const target = Reference.isReference(v) ? v.unwrap() : v;
  return { entity: (target as object).constructor as ClassType<OwnedEntity>, id: (v as { id: string }).id };
}

export const MAX_EXPORT_ROWS = 200_000;

export async function toCsv<T extends OwnedEntity>(ctx: Context, entityName: string, columns: readonly string[], rows: T[]): Promise<string> {
  const cellsOf = (row: T): Promise<unknown[]> => {
    const r = row as unknown as Record<string, unknown>;
    return Promise.all(
      columns.map(async (c) => {
        const v = r[c];
        if (c === 'id') return toGlobalId(entityName, row.id);
        if (c === OWNER_COLUMN) return (await ctx.loaders.byId(Ministry).load(row.ownerMinistry.id))?.code ?? '';
        // A relation named by the related record's externalId or global id, read in the caller's scope like the list's field.
        const named = referenceOf(c, (field) => relationOf(r[field]) !== null || (field in r && r[field] == null));
        if (named) {
          const rel = relationOf(r[named.field]);
          const related = rel ? ((await ctx.loaders.byId(rel.entity).load(rel.id)) as { id: string; externalId?: string | null } | null) : null;
          if (!rel || !related) return '';
          return named.by === 'id' ? toGlobalId(rel.entity.name, related.id) : formatCell(related.externalId);
        }
        const ref = relationOf(v);
        if (ref) return toGlobalId(ref.entity.name, ref.id);
        const masker = maskerOf(row.constructor, c);
        if (masker) return personalValue(ctx, entityName, row, c, v as string | null, masker);
        return formatCell(v);
      }),
    );
  };
  const out: unknown[][] = [columns as string[]];
  // A chunk of rows at a time: the read log batches the personal cells of a chunk into one insert,
  // one log row per record listing every field read.
  const pacer = new Pacer();
  for (let i = 0; i < rows.length; i += CHUNK) {
    out.push(...(await Promise.all(rows.slice(i, i + CHUNK).map(cellsOf))));
    await pacer.tick();
  }
  const text: string[] = [];
  for (let i = 0; i < out.length; i += CHUNK) {
    text.push(stringify(out.slice(i, i + CHUNK).map((row) => row.map(neutraliseCell))));
    await pacer.tick();
  }
  return text.join('');
}

const CHUNK = 100;
