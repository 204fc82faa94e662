/**
 * A ministry-owned entity made from its fields (fields.ts): the class the ORM
 * maps and GraphQL serves, with its columns, its scope filter, the indexes
 * every owned table has, and its defaults. The decorators are the ones a
 * hand-written entity would carry, applied in the order TypeScript applies
 * them, so the ORM and type-graphql see no difference.
 */
import 'reflect-metadata';
import { Entity, Enum, Filter, Index, ManyToOne, Property, Unique } from '@mikro-orm/core';
import { Field, ObjectType, type ClassType } from 'type-graphql';
import { scopeFilter } from '../access/scope';
import { INITIAL } from '../data/base.entity';
import { OwnedEntity } from '../data/owned.entity';
import { Node } from '../data/node.interface';
import type { Columns, FieldSpec, Fields } from './fields';
import { COUNTED } from '../data/row-counts';

export interface EntityDeclaration<F extends Fields> {
  description: string;
  fields: F;
  /** Unique keys beyond `(owner, externalId)` and the fields marked `uniquePerMinistry`, e.g. `[['trainee', 'program']]`. */
  unique?: readonly (readonly string[])[];
}

/** The class of an owned entity with its fields: `new` gives a row with every column typed. */
export type OwnedEntityClass<F extends Fields> = ClassType<OwnedEntity & Columns<F>> & { readonly fields: F; readonly description: string };

/** The type TypeScript would have emitted as `design:type` for a property of this kind. */
function designType(f: FieldSpec): unknown {
  if (f.kind === 'enumList' || f.kind === 'textList') return Array;
  if (f.kind === 'reference') return Object;
  if (f.kind === 'int' || f.kind === 'float') return Number;
  if (f.kind === 'bool') return Boolean;
  return String;
}

function column(proto: object, key: string, f: FieldSpec): void {
  Reflect.defineMetadata('design:type', designType(f), proto, key);
  // A scalar default is also the column's (as an initialised property would make it); a list's is the new row's only.
  const dbDefault = f.hasDefault && !Array.isArray(f.default) ? { default: f.default as string | number | boolean } : {};
  const nullable = f.nullable ? { nullable: true } : {};
  if (f.reference) {
    ManyToOne({ entity: f.reference.target, ref: true, deleteRule: f.reference.deleteRule, ...nullable, ...(f.index === true ? { index: true } : {}) })(
      proto,
      key,
    );
  } else if (f.kind === 'enum' || f.kind === 'enumList') {
    Enum({
      items: f.column.items as () => Record<string, string>,
      nativeEnumName: f.column.nativeEnumName,
      ...(f.kind === 'enumList' ? { array: true } : {}),
      ...nullable,
      ...dbDefault,
    })(proto, key);
  } else {
    Property({ type: f.column.type as string, ...(f.column.length ? { length: f.column.length } : {}), ...nullable, ...dbDefault })(proto, key);
  }
  if (f.index && !f.reference) (Index() as unknown as (p: object, k: string) => void)(proto, key);
  // Personal fields and relations are served by resolvers the resource generates (owned-resource.ts).
  if (!f.personal && !f.reference) Field(f.graphql as never, { nullable: f.nullable, description: f.description })(proto, key);
}

export function ownedEntity<F extends Fields>(name: string, decl: EntityDeclaration<F>): OwnedEntityClass<F> {
  const cls = { [name]: class extends OwnedEntity {} }[name];
  // The class decorators, typed for any class.
  const decorate = (d: unknown) => (d as (target: Function) => void)(cls);
  for (const [key, f] of Object.entries(decl.fields)) column(cls.prototype, key, f);
  const initial = Object.fromEntries(Object.entries(decl.fields).flatMap(([key, f]) => (f.hasDefault ? [[key, f.default]] : [])));
  Object.defineProperty(cls, INITIAL, { value: initial });
  Object.defineProperty(cls, 'fields', { value: decl.fields });
  Object.defineProperty(cls, 'description', { value: decl.description });
  // Every owned table made from fields has its rows counted per owner (its resource says so to db:resources).
  Object.defineProperty(cls, COUNTED, { value: true });
  // Class decorators last, innermost first, as TypeScript applies `@ObjectType @Entity @Filter @Index @Unique class …`.
  for (const [key, f] of Object.entries(decl.fields)) if (f.uniquePerMinistry) decorate(Unique({ properties: ['ownerMinistry', key] as never }));
  for (const properties of decl.unique ?? []) decorate(Unique({ properties: [...properties] as never }));
  // Children are read and counted per parent within the caller's scope: (parent, owner) serves both from the index alone.
  for (const [key, f] of Object.entries(decl.fields)) if (f.index === 'withOwner') decorate(Index({ properties: [key, 'ownerMinistry'] as never }));
  // "First N of one ministry by id" is the hot query.
  decorate(Index({ properties: ['ownerMinistry', 'id'] as never }));
  decorate(Filter({ name: 'scope', cond: scopeFilter(name), default: true }));
  decorate(Entity());
  ObjectType({ implements: Node, simpleResolvers: true, description: decl.description })(cls);
  return cls as unknown as OwnedEntityClass<F>;
}
