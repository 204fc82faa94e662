/**
 * The inputs of an owned resource, made from its fields (fields.ts): the
 * create and update inputs, the list filter and how it becomes a query, the
 * order enum, and the CSV layout. A field's type, nullability, default,
 * description and validation rules are written once and carried to each.
 */
import 'reflect-metadata';
import type { FilterQuery } from '@mikro-orm/core';
import { IsOptional, Length } from 'class-validator';
import { Field, ID, InputType, Int, registerEnumType, type ClassType } from 'type-graphql';
import { assertPersonalQueryAllowed } from './personal-field';
import type { Context } from '../context';
import { compact, ministryFilter, searchFilter } from '../shared/filters';
import { fromGlobalId } from '../shared/global-id';
import type { Column, ColumnType } from './csv-columns';
import { OWNER_COLUMN } from './csv-layout';
import { isRequired, type FieldSpec, type Fields, type ReferenceSpec, type Rule } from './fields';
import { naming, sentence as capitalised, words } from './naming';

/** A filter a resource adds beyond its fields' own (e.g. a code prefix). */
export interface CustomFilter {
  type: () => unknown;
  description: string;
  rules?: readonly Rule[];
  where(value: never): Record<string, unknown>;
}

type Options = { nullable?: boolean; description?: string; defaultValue?: unknown };

/** Declares `key` on an input class: the GraphQL field and its validation rules. */
function inputField(cls: Function, key: string, type: () => unknown, options: Options, rules: readonly Rule[] = [], optional = false) {
  Reflect.defineMetadata('design:type', Object, cls.prototype, key);
  Field(type as never, options)(cls.prototype, key);
  // Rules skip an absent or null value (IsOptional) wherever the input may leave the field out.
  if (optional && rules.length) IsOptional()(cls.prototype, key);
  for (const rule of rules) rule(cls.prototype, key);
}

const inputClass = (name: string) => {
  const cls = { [name]: class {} }[name];
  return cls;
};

/** The description of a relation's `<field>Id` input: which rows it may name. */
function referenceInputDescription(r: ReferenceSpec): string {
  if (r.inputDescription) return r.inputDescription;
  const target = naming.aType(r.target().name);
  const sentence = r.access === 'writable' ? `${target} of your own ministry.` : `${target} you can read (your own, or shared with you under an MoU).`;
  return capitalised(sentence);
}

export interface OwnedInputs {
  Create: ClassType<object>;
  Update: ClassType<object>;
  Filter: ClassType<object>;
  OrderField: Record<string, string>;
  /** The entity property each value of the order enum sorts by. */
  orderProperty: Record<string, string>;
  /** The query of a filter; refuses a personal filter the caller may not use. */
  where(filter: Record<string, unknown>, ctx: Context): FilterQuery<object>;
  /** The personal fields a filter matches on (each other-ministry row it matches is logged as a read of them). */
  personalFilterFields(filter: Record<string, unknown>): string[];
  /** Orderings by a personal field: refused like its filter, and each page's rows logged as reads of it. */
  personalOrderFields: Record<string, string>;
  assertOrder(field: string, filter: Record<string, unknown>, ctx: Context): void;
}

export function ownedInputs(name: string, fields: Fields, custom: Readonly<Record<string, CustomFilter>> = {}): OwnedInputs {
  const entries = Object.entries(fields);

  const Create = inputClass(naming.createInput(name));
  for (const [key, f] of entries) {
    if (!f.create) continue;
    if (f.reference) {
      inputField(Create, naming.referenceInput(key), () => ID, { nullable: f.nullable || undefined, description: referenceInputDescription(f.reference) });
      continue;
    }
    const options: Options = f.hasDefault ? { defaultValue: f.default } : f.nullable ? { nullable: true } : {};
    // A personal field's own description: its output's adds how it is masked, which says nothing of an input.
    inputField(Create, key, f.graphql, { ...options, ...(f.personal ? { description: f.description } : {}) }, f.rules, f.nullable);
  }
  InputType(naming.createInput(name))(Create);

  const Update = inputClass(naming.updateInput(name));
  inputField(Update, 'id', () => ID, {});
  inputField(Update, 'expectedVersion', () => Int, { nullable: true });
  for (const [key, f] of entries) {
    if (!f.update) continue;
    if (f.reference) {
      inputField(Update, naming.referenceInput(key), () => ID, {
        nullable: true,
        description: `${referenceInputDescription(f.reference)}${f.nullable ? ' Null unlinks it.' : ''}`,
      });
      continue;
    }
    inputField(Update, key, f.graphql, { nullable: true, ...(f.personal ? { description: f.description } : {}) }, f.rules, true);
  }
  InputType(naming.updateInput(name))(Update);

  // The filter: the owner, then each field's own filter, then the resource's custom ones.
  const Filter = inputClass(naming.filter(name));
  const clauses: ((f: Record<string, unknown>) => [string, unknown] | null)[] = [];
  const personalFilters: [input: string, property: string][] = [];
  inputField(Filter, 'ownerMinistryId', () => ID, { nullable: true, description: 'Only records owned by this ministry (global id).' });
  for (const [key, f] of entries) {
    const spec = f.filter;
    if (!spec) continue;
    if (f.reference) {
      const input = naming.referenceInput(key);
      const target = () => (f.reference as ReferenceSpec).target().name;
      inputField(Filter, input, () => ID, { nullable: true, description: `Only ${words(naming.list(name))} of this ${words(target())} (global id).` });
      clauses.push((v) => (v[input] ? [key, fromGlobalId(String(v[input]), target(), `filter.${input}`)] : null));
    } else if (spec === 'eq') {
      const type = f.kind === 'enumList' || f.kind === 'textList' ? () => (f.graphql() as unknown[])[0] : f.graphql;
      const description = f.personal
        ? `Exact ${words(key)}. Personal data: refused unless you may read it for every ministry the filter spans (narrow it with ownerMinistryId).`
        : undefined;
      inputField(Filter, key, type, { nullable: true, description }, f.rules, true);
      clauses.push((v) => (v[key] != null ? [key, v[key]] : null));
      if (f.personal) personalFilters.push([key, key]);
    } else if ('search' in spec) {
      inputField(
        Filter,
        spec.search,
        () => String,
        { nullable: true, description: spec.description ?? `Case-insensitive text in the ${words(key)}.` },
        [Length(1, 100)],
        true,
      );
      clauses.push((v) => (v[spec.search] ? [key, searchFilter(String(v[spec.search]))] : null));
    } else {
      const element = () => (f.graphql() as unknown[])[0];
      inputField(Filter, spec.contains, element, { nullable: true, description: spec.description }, [], true);
      clauses.push((v) => (v[spec.contains] != null ? [key, { $contains: [v[spec.contains]] }] : null));
    }
  }
  for (const [key, c] of Object.entries(custom)) {
    inputField(Filter, key, c.type, { nullable: true, description: c.description }, c.rules ?? [], true);
  }
  InputType(naming.filter(name))(Filter);

  // Orderings: by each sortable field, then by creation.
  const OrderField: Record<string, string> = {};
  const orderProperty: Record<string, string> = {};
  const personalOrderFields: Record<string, string> = {};
  for (const [key, f] of entries) {
    if (!f.sort) continue;
    OrderField[f.sort] = f.sort;
    orderProperty[f.sort] = key;
    if (f.personal) personalOrderFields[f.sort] = key;
  }
  OrderField.CREATED_AT = 'CREATED_AT';
  orderProperty.CREATED_AT = 'createdAt';
  registerEnumType(OrderField, {
    name: naming.orderField(name),
    valuesConfig: Object.fromEntries(
      Object.entries(personalOrderFields).map(([value]) => [
        value,
        { description: `Sort by ${words(personalOrderFields[value])}. Personal data: refused like a filter on it.` },
      ]),
    ),
  });

  const ownerOf = (filter: Record<string, unknown>) => ministryFilter(filter.ownerMinistryId as string | undefined);
  return {
    Create,
    Update,
    Filter,
    OrderField,
    orderProperty,
    personalOrderFields,
    where(filter, ctx) {
      for (const [input] of personalFilters) if (filter[input] != null) assertPersonalQueryAllowed(ctx, name, ownerOf(filter), `filter.${input}`);
      const where: Record<string, unknown> = { ownerMinistry: ownerOf(filter) };
      for (const clause of clauses) {
        const c = clause(filter);
        if (c) where[c[0]] = c[1];
      }
      for (const [key, c] of Object.entries(custom)) if (filter[key] != null) Object.assign(where, c.where(filter[key] as never));
      return compact(where) as FilterQuery<object>;
    },
    personalFilterFields: (filter) => personalFilters.filter(([input]) => filter[input] != null).map(([, property]) => property),
    assertOrder(field, filter, ctx) {
      if (personalOrderFields[field]) assertPersonalQueryAllowed(ctx, name, ownerOf(filter), 'orderBy.field');
    },
  };
}

const itemsOf = (f: FieldSpec) => (f.column.items as () => object)();

function columnType(f: FieldSpec): ColumnType {
  switch (f.kind) {
    case 'int':
      return 'int';
    case 'bool':
      return 'bool';
    case 'date':
      return 'date';
    case 'enum':
      return { enum: itemsOf(f) };
    case 'enumList':
      return { list: itemsOf(f) };
    case 'textList':
      return { list: 'string' };
    default:
      return 'string';
  }
}

/** The columns a resource's CSV import reads: each CSV field, relations by externalId or global id. */
export function importColumns(fields: Fields): Column[] {
  return Object.entries(fields)
    .filter(([, f]) => f.csv && (f.create || f.reference))
    .map(([key, f]): Column => {
      if (f.reference) return { name: naming.referenceColumn(key, f.reference.by), type: 'string', required: !f.nullable };
      // externalId is what a re-import matches rows by: a file's rows must have one.
      return {
        name: key,
        type: columnType(f),
        ...(isRequired(f) || key === 'externalId' ? { required: true } : {}),
        ...(f.hasDefault ? { default: f.default } : {}),
      };
    });
}

/**
 * The columns of a resource's CSV file, for export and import alike (csv-layout.ts): an importable
 * resource's global id, import columns and owner; any other's id, owner and fields, relations as global ids.
 */
export function csvColumns(fields: Fields, importable: boolean): string[] {
  // `id` first: a row a ministry downloads finds its record again by it, with or without an externalId.
  if (importable) return ['id', ...importColumns(fields).map((c) => c.name), OWNER_COLUMN];
  return ['id', OWNER_COLUMN, ...Object.entries(fields).flatMap(([key, f]) => (f.csv ? [key] : []))];
}
