/**
 * CSV export of a list the caller can read: the same filter and scope as the
 * GraphQL list, every personal field masked or logged exactly as the API
 * shows it. Relations are written as global ids, the owner as its code.
 */
import { stringify } from 'csv-stringify/sync';
import { maskerOf, type PersonalEntity } from '../access/masking';
import type { Context } from '../context';
import { Ministry } from '../modules/ministry/ministry.entity';
import { personalValue } from '../modules/personal-data/personal-field';
import type { OwnedEntity } from './base.entity';
import { toGlobalId } from './global-id';

/** Relation properties and the type of the row they point to. */
const REFERENCES: Record<string, string> = { institution: 'Institution', program: 'Program', trainee: 'Trainee' };

export const MAX_EXPORT_ROWS = 200_000;

export async function toCsv<T extends OwnedEntity>(ctx: Context, entityName: string, columns: readonly string[], rows: T[]): Promise<string> {
  const out: unknown[][] = [columns as string[]];
  for (const row of rows) {
    const r = row as unknown as Record<string, unknown>;
    const cells: unknown[] = [];
    for (const c of columns) {
      const v = r[c];
      if (c === 'id') cells.push(toGlobalId(entityName, row.id));
      else if (c === 'ownerMinistry') cells.push((await ctx.loaders.byId(Ministry).load(row.ownerMinistry.id))?.code ?? '');
      else if (c in REFERENCES) cells.push(v ? toGlobalId(REFERENCES[c], (v as { id: string }).id) : '');
      else if (maskerOf(entityName, c)) cells.push(await personalValue(ctx, entityName as PersonalEntity, row, c, v as string | null, maskerOf(entityName, c)!));
      else if (Array.isArray(v)) cells.push(v.join(';'));
      else if (v instanceof Date) cells.push(v.toISOString());
      else cells.push(v ?? '');
    }
    out.push(cells);
  }
  return stringify(out);
}
