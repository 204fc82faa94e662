/**
 * MikroORM's PostgreSQL driver, with one statement written directly: the
 * UPDATE a flush sends for one changed row. The ORM builds it with its
 * QueryBuilder and knex's compiler, which cost more CPU than everything else
 * a one-row mutation does in the process; the statement here is the one the
 * QueryBuilder writes — same columns, the version bump, the same RETURNING —
 * sent on the request's connection like every other (see begin.ts). Anything
 * beyond a plain row change (custom types, composite keys, schemas, upserts,
 * other conditions) goes to the ORM's own `nativeUpdate`.
 */
import { ReferenceKind, type EntityData, type EntityProperty, type FilterQuery, type NativeInsertUpdateOptions, type QueryResult } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { directSender } from './begin';
import { quote } from './begin';

const isValue = (v: unknown) =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || v instanceof Date;

export class SinergiDriver extends PostgreSqlDriver {
  override async nativeUpdate<T extends object>(
    entityName: string,
    where: FilterQuery<T>,
    data: EntityData<T>,
    options: NativeInsertUpdateOptions<T> = {},
  ): Promise<QueryResult<T>> {
    const statement = this.rowUpdate(entityName, where, data, options);
    const send = statement && directSender(options.ctx, this.platform, this.connection, this.config.getLogger());
    if (!statement || !send) return super.nativeUpdate(entityName, where, data, options);
    const res = await send(statement.sql, statement.params);
    // As the PostgreSQL connection reports a 'run' statement.
    return { affectedRows: res.rowCount ?? 0, insertId: (res.rows[0]?.id ?? 0) as never, row: res.rows[0] as never, rows: res.rows as never };
  }

  /** `update <table> set … where <pk> = ? [and <version> = ?] returning …`, or null when the ORM must write it. */
  private rowUpdate(entityName: string, where: unknown, data: Record<string, unknown>, options: NativeInsertUpdateOptions<unknown>) {
    const meta = this.metadata.find(entityName);
    if (!meta || options.upsert || meta.primaryKeys.length !== 1) return null;
    // The default schema goes unnamed, as the QueryBuilder leaves it; any other is the ORM's to write.
    const schema = this.getSchemaName(meta, options);
    if (schema && schema !== this.platform.getDefaultSchemaName()) return null;
    const column = (name: string): string | null => {
      const prop = meta.properties[name as keyof typeof meta.properties] as EntityProperty | undefined;
      if (!prop || prop.customType || prop.fieldNames?.length !== 1 || prop.persist === false || prop.formula) return null;
      if (prop.kind !== ReferenceKind.SCALAR && prop.kind !== ReferenceKind.MANY_TO_ONE) return null;
      return quote(prop.fieldNames[0]);
    };
    const params: unknown[] = [];
    const sets: string[] = [];
    for (const [name, value] of Object.entries(data)) {
      const c = column(name);
      if (!c || !isValue(value)) return null;
      sets.push(`${c} = ?`);
      params.push(value);
    }
    if (!sets.length) return null;
    const version = meta.versionProperty ? meta.properties[meta.versionProperty as keyof typeof meta.properties] : undefined;
    if (version && version.runtimeType === 'Date') return null;
    // The QueryBuilder bumps the version unless the change sets it.
    if (version && !(version.name in data)) sets.push(`${quote(version.fieldNames[0])} = ${quote(version.fieldNames[0])} + 1`);
    if (!where || typeof where !== 'object') return null;
    const conditions: string[] = [];
    for (const [name, value] of Object.entries(where)) {
      if (name !== meta.primaryKeys[0] && name !== version?.name) return null;
      const c = column(name);
      if (!c || value === null || !isValue(value)) return null;
      conditions.push(`${c} = ?`);
      params.push(value);
    }
    if (!conditions.length || !(meta.primaryKeys[0] in where)) return null;
    // Generated columns and the version come back, as the ORM asks for them.
    const returning = meta.props.filter((p) => (p.generated && !p.primary) || p.version);
    if (returning.some((p) => p.fieldNames?.length !== 1)) return null;
    const back = returning.length ? ` returning ${returning.map((p) => quote(p.fieldNames[0])).join(', ')}` : '';
    return { sql: `update ${quote(meta.tableName)} set ${sets.join(', ')} where ${conditions.join(' and ')}${back}`, params };
  }
}
