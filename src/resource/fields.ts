/**
 * A resource's fields, each declared once: its type, nullability, default,
 * description, validation, and whether it is personal, filterable, sortable,
 * writable on create and on update, and carried in the CSV file. From this
 * one list come the entity's columns (owned-entity.ts), the GraphQL type, the
 * create, update and filter inputs and the order enum (owned-inputs.ts), the
 * CSV layout for export and import, the masking and the personal paths — as
 * Keystone's field types each supply their column, output, where, create,
 * update and order.
 */
import { BigIntType, type Opt, type Ref } from '@mikro-orm/core';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Float, Int, type ClassType } from 'type-graphql';
import { ArrayMaxSize, Length, Max, Min } from 'class-validator';
import type { Masker } from '../access/masking';

/** A class-validator rule (a property decorator), applied to each input that carries the field. */
export type Rule = (target: object, property: string) => void;

/** How a list filters on a field: equality under its own name, text search, or membership in a list column. */
export type FilterSpec = 'eq' | { search: string; description?: string } | { contains: string; description?: string };

export type Kind = 'text' | 'int' | 'float' | 'bool' | 'date' | 'enum' | 'enumList' | 'textList' | 'reference';

export interface FieldSpec<V = unknown, N extends boolean = boolean, D extends boolean = boolean> {
  readonly kind: Kind;
  /** Type-level only: the value the row holds. */
  readonly value?: V;
  readonly nullable: N;
  /** A default: the create input's and the import's value when none is sent, the new row's, and the column's. */
  readonly default?: unknown;
  readonly hasDefault: D;
  readonly description?: string;
  readonly rules: readonly Rule[];
  /** Written by create (default) and by update (default); false: set by rules or the database only. */
  readonly create: boolean;
  readonly update: boolean;
  /** A column of the CSV file (export and, where the resource imports, import). */
  readonly csv: boolean;
  readonly filter?: FilterSpec;
  /** The value of the order enum that sorts by it, e.g. `NAME`. */
  readonly sort?: string;
  /** Personal data (UU 27/2022): shown masked unless the caller may read it in full; full reads by others are logged. */
  readonly personal?: Masker;
  /** The data subject's NIK: the data-subject access report finds the person's records by it. */
  readonly identifiesSubject?: boolean;
  /** Why a field whose name looks personal (an address) holds no data subject's value. */
  readonly notPersonal?: string;
  /** An index of its own; for a relation, `withOwner` indexes (relation, owner), which reads and counts a parent's children in scope. */
  readonly index?: boolean | 'withOwner';
  /** Unique within the owner ministry's rows. */
  readonly uniquePerMinistry?: boolean;
  /** The GraphQL output type. */
  readonly graphql: () => unknown;
  readonly column: {
    type?: string | BigIntType<'number'>;
    length?: number;
    nativeEnumName?: string;
    items?: () => object;
  };
  readonly reference?: ReferenceSpec;
}

export interface ReferenceSpec {
  target: () => ClassType<object>;
  /** What the caller must be allowed to do with the referenced row to point at it. */
  access: 'writable' | 'readable';
  /** How the CSV file names the referenced row. */
  by: 'externalId' | 'id';
  deleteRule: 'restrict' | 'set null' | 'cascade';
  /** The referenced type's connection of these rows, in the caller's scope. */
  children?: { name: string; description: string };
  /** Description of the create input's `<field>Id`. */
  inputDescription?: string;
}

interface Common<V> {
  description?: string;
  nullable?: boolean;
  default?: V;
  rules?: readonly Rule[];
  create?: boolean;
  update?: boolean;
  csv?: boolean;
  filter?: FilterSpec;
  sort?: string;
  personal?: Masker;
  notPersonal?: string;
  identifiesSubject?: boolean;
  index?: boolean | 'withOwner';
  uniquePerMinistry?: boolean;
}

type Built<V, O> = FieldSpec<V, O extends { nullable: true } ? true : false, O extends { default: unknown } ? true : false>;

function build<V, O extends Common<V>>(kind: Kind, graphql: () => unknown, column: FieldSpec['column'], o: O, rules: Rule[] = []): Built<V, O> {
  return {
    kind,
    nullable: (o.nullable ?? false) as never,
    default: o.default,
    hasDefault: (o.default !== undefined) as never,
    description: o.description,
    rules: [...rules, ...(o.rules ?? [])],
    create: o.create ?? true,
    update: o.update ?? true,
    csv: o.csv ?? true,
    filter: o.filter,
    sort: o.sort,
    personal: o.personal,
    notPersonal: o.notPersonal,
    identifiesSubject: o.identifiesSubject,
    index: o.index,
    uniquePerMinistry: o.uniquePerMinistry,
    graphql,
    column,
  };
}

type TextOptions = Common<string> & {
  /** Allowed length of a written value. */
  length?: [number, number];
  /** The column: `varchar(n)` (default 255) or `text`. */
  columnLength?: number;
  columnType?: 'text';
};

type ListOptions = Common<string[]> & { max?: number };

export const field = {
  text: <O extends TextOptions>(o: O) =>
    build<string, O>('text', () => String, { type: o.columnType ?? 'string', length: o.columnLength }, o, o.length ? [Length(o.length[0], o.length[1])] : []),
  int: <O extends Common<number> & { min?: number; max?: number }>(o: O) =>
    build<number, O>('int', () => Int, { type: 'integer' }, o, [...(o.min !== undefined ? [Min(o.min)] : []), ...(o.max !== undefined ? [Max(o.max)] : [])]),
  /** A whole number too large for an integer (rupiah), stored as bigint, served as Float. */
  amount: <O extends Common<number> & { min?: number; max?: number }>(o: O) =>
    build<number, O>('float', () => Float, { type: new BigIntType('number') }, o, [
      ...(o.min !== undefined ? [Min(o.min)] : []),
      ...(o.max !== undefined ? [Max(o.max)] : []),
    ]),
  bool: <O extends Common<boolean>>(o: O) => build<boolean, O>('bool', () => Boolean, { type: 'boolean' }, o),
  date: <O extends Common<string>>(o: O) => build<string, O>('date', () => GraphQLLocalDate, { type: 'date' }, o),
  enum: <E extends Record<string, string>, O extends Common<E[keyof E]>>(items: E, nativeEnumName: string, o: O) =>
    build<E[keyof E], O>('enum', () => items, { items: () => items, nativeEnumName }, o),
  enumList: <E extends Record<string, string>, O extends Common<E[keyof E][]> & { max?: number }>(items: E, nativeEnumName: string, o: O) =>
    build<E[keyof E][], O>('enumList', () => [items], { items: () => items, nativeEnumName }, o, o.max ? [ArrayMaxSize(o.max)] : []),
  textList: <O extends ListOptions>(o: O) => build<string[], O>('textList', () => [String], { type: 'text[]' }, o, o.max ? [ArrayMaxSize(o.max)] : []),
  /** A many-to-one relation; its input is `<field>Id` (a global id), its CSV column names the row by externalId or global id. */
  reference: <T extends object, O extends Common<never> & Partial<Omit<ReferenceSpec, 'target'>>>(target: () => ClassType<T>, o: O) => ({
    ...build<Ref<T>, O>('reference', () => target(), {}, o),
    reference: {
      target,
      access: o.access ?? 'readable',
      by: o.by ?? 'id',
      deleteRule: o.deleteRule ?? (o.nullable ? 'set null' : 'restrict'),
      children: o.children,
      inputDescription: o.inputDescription,
    },
  }),
  /** The ministry's own stable id of a row, the key of CSV re-imports. */
  externalId: () =>
    build<string, { nullable: true; uniquePerMinistry: true; description: string }>(
      'text',
      () => String,
      { type: 'string', length: 100 },
      {
        nullable: true,
        uniquePerMinistry: true,
        description: 'Your own stable id for this row (e.g. from the spreadsheet it came from); unique within your ministry, the key of CSV re-imports.',
      },
      [Length(1, 100)],
    ),
};

export type Fields = Readonly<Record<string, FieldSpec>>;

type ValueOf<F> = F extends FieldSpec<infer V> ? V : never;
type NullableKeys<F> = { [K in keyof F]: F[K] extends FieldSpec<unknown, true> ? K : never }[keyof F];
type DefaultKeys<F> = { [K in keyof F]: F[K] extends FieldSpec<unknown, boolean, true> ? K : never }[keyof F];
type RequiredKeys<F> = Exclude<keyof F, NullableKeys<F> | DefaultKeys<F>>;

/** The properties a row of these fields has, typed as the entity's. */
export type Columns<F> = { [K in RequiredKeys<F>]: ValueOf<F[K]> } & { [K in DefaultKeys<F>]: Opt<ValueOf<F[K]>> } & {
  [K in Exclude<NullableKeys<F>, DefaultKeys<F>>]?: ValueOf<F[K]> | null;
};

type InputKey<F, K extends keyof F> = F[K] extends { reference: ReferenceSpec } ? `${K & string}Id` : K;
type InputValue<F, K extends keyof F> = F[K] extends { reference: ReferenceSpec } ? string : ValueOf<F[K]>;
/** A create input: every field it carries, relations as global ids. */
export type CreateInput<F> = { [K in RequiredKeys<F> as InputKey<F, K>]: InputValue<F, K> } & {
  [K in DefaultKeys<F> as InputKey<F, K>]: InputValue<F, K>;
} & { [K in Exclude<NullableKeys<F>, DefaultKeys<F>> as InputKey<F, K>]?: InputValue<F, K> | null };
/** An update input: the row's id, the version the caller read, and each field it changes (absent: unchanged). */
export type UpdateInput<F> = { id: string; expectedVersion?: number | null } & { [K in keyof F as InputKey<F, K>]?: InputValue<F, K> | null };

/** Whether a create must be given the field: not nullable, no default. */
export const isRequired = (f: FieldSpec) => !f.nullable && !f.hasDefault;
