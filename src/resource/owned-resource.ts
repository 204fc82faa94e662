/**
 * `ownedResource`: a ministry-owned resource from its declaration. From the
 * CRUD configuration, the table, the clause type, the personal fields and the
 * relations it builds the list, CSV export, create/update/delete, the
 * relation and personal-field resolvers, the policy rows and audit subjects,
 * and registers the maskers — so a new resource states only what is its own.
 */
import { Args, Ctx, FieldResolver, Info, Resolver, Root, type ClassType } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { FilterQuery } from '@mikro-orm/core';
import { pageReads } from '../data/relations-ahead';
import { csvColumns, importColumns, ownedInputs, type CustomFilter } from './owned-inputs';
import type { Columns, CreateInput, Fields, UpdateInput } from './fields';
import type { OwnedEntityClass } from './owned-entity';
import { naming } from './naming';
import { projection } from '../data/projection';
import type { DirectResolver } from '../data/direct-resolvers';
import type { Masker } from '../access/masking';
import { personalValue } from './personal-field';
import type { OperationPolicy } from '../access/policy';
import type { Role } from '../access/roles';
import type { Context } from '../context';

import { connectionOf } from '../shared/pagination';
import type { RelationSpec } from '../data/loaders';
import type { OwnedEntity } from '../data/owned.entity';
import type { ImportRules, ImportSpec } from './csv-import';
import { assignPresent, ownedCrudResolver, type OwnedCrudConfig, type UpdateInputBase } from './owned-crud';
import { relationConnection, RelationArgs } from '../data/relation-connection';
import { subject, type Fixture, type ItemRules, type MutationPolicy, type Resource, type StatisticsSpec } from './resource';

const MASKED =
  ' Personal data: masked unless you are the owner ministry or a clause in force shares personal data with you; full reads by other ministries are logged.';

export interface PersonalField {
  masker: Masker;
  description: string;
  nullable?: boolean;
}

/** A many-to-one relation, answered through the batched, scoped loader: null when outside the caller's scope. */
export interface ReferenceField {
  type: () => ClassType<object>;
  description?: string;
  /** The property holding the referenced key, when it is not the relation itself (e.g. a country code). */
  key?: string;
}

/** A one-to-many relation as a paginated connection of the children in the caller's scope. */
export interface ChildrenField {
  type: () => ClassType<object>;
  /** Property on the child that points to this resource. */
  parentProperty: string;
  /** The children's resource name when they are ministry-owned (their scope applies). */
  scoped: boolean;
  description: string;
}

/** What a resource states beyond its fields: its rules, extra filters and relations, and what it adds to the schema. */
export interface OwnedResourceDeclaration<F extends Fields> {
  entity: OwnedEntityClass<F>;
  /** Shared with other ministries by data-sharing clauses naming its resource type (`naming.clauseType`). */
  sharedByClause?: boolean;
  readsAll?: readonly Role[];
  /** Filters beyond the fields' own. */
  filters?: Readonly<Record<string, CustomFilter>>;
  /** Builds and checks a new row from the create input (default: the input's fields as they are). */
  create?(input: CreateInput<F>, ctx: Context): Promise<Row<F>>;
  /** Checks and applies a change to a row known to be writable (default: the fields present in the input). */
  update?(row: Row<F>, input: UpdateInput<F>, ctx: Context): Promise<void>;
  /** References by a key that is no relation (e.g. a country by its code). */
  references?: Readonly<Record<string, ReferenceField>>;
  children?: Readonly<Record<string, ChildrenField>>;
  /** The module's own resolvers, beyond what is generated here. */
  resolvers?: readonly Function[];
  entities?: readonly ClassType<object>[];
  queries?: Readonly<Record<string, OperationPolicy>>;
  mutations?: Readonly<Record<string, MutationPolicy>>;
  itemRules?: ItemRules;
  /** A CSV import: its columns come from the fields; the declaration adds its rules. */
  importer?: ImportRules;
  statistics?: StatisticsSpec;
  /** What fields its own resolvers read of the row (projection.ts), e.g. `{ targetCountries: ['targetCountryCodes'] }`. */
  reads?: Readonly<Record<string, readonly string[]>>;
  /** What the generic test suites exercise it with (required: every owned resource is tested alike). */
  fixture: Fixture;
}

type Row<F extends Fields> = OwnedEntity & Columns<F>;

/** Defines `name` on a resolver class as a field resolver `(root, ctx) => …` or `(root, args, ctx) => …`. */
function defineField(
  target: Function,
  objectType: () => Function,
  name: string,
  type: () => unknown,
  options: { nullable?: boolean; description?: string },
  body: (...a: never[]) => unknown,
  withArgs?: Function,
  withInfo = false,
): DirectResolver {
  Object.defineProperty(target.prototype, name, { value: body, writable: true, configurable: true });
  // type-graphql still sees the field (its type, arguments and description make the schema); the call skips its wrapper.
  const call = body as (...a: unknown[]) => unknown;
  const direct: DirectResolver = {
    type: () => objectType().name,
    field: name,
    resolve: withArgs
      ? (root, args, ctx, info) => call(root, args, ctx, info)
      : withInfo
        ? (root, _a, ctx, info) => call(root, ctx, info)
        : (root, _a, ctx) => call(root, ctx),
  };
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, name) as PropertyDescriptor;
  Root()(target.prototype, name, 0);
  if (withArgs) {
    // Not class-validator: these arguments come once per parent row, and the resolver checks its own bounds.
    Args(() => withArgs, { validate: false })(target.prototype, name, 1);
    Ctx()(target.prototype, name, 2);
    Info()(target.prototype, name, 3);
  } else {
    Ctx()(target.prototype, name, 1);
    if (withInfo) Info()(target.prototype, name, 2);
  }
  FieldResolver(type as never, options)(target.prototype, name, descriptor);
  return direct;
}

export function ownedResource<F extends Fields>(decl: OwnedResourceDeclaration<F>): Resource {
  const entity = decl.entity;
  const name = entity.name;
  const fields = Object.entries(entity.fields);
  const inputs = ownedInputs(name, entity.fields, decl.filters);
  const personal = Object.fromEntries(
    fields.flatMap(([key, f]) => (f.personal ? [[key, { masker: f.personal, description: f.description ?? '', nullable: f.nullable }]] : [])),
  ) as Record<string, PersonalField>;
  const references: Record<string, ReferenceField> = {
    ...Object.fromEntries(fields.flatMap(([key, f]) => (f.reference ? [[key, { type: f.reference.target, description: f.description }]] : []))),
    ...decl.references,
  };
  const importer: ImportSpec | undefined = decl.importer && {
    ...decl.importer,
    kind: naming.importKind(name),
    entity,
    input: inputs.Create,
    columns: importColumns(entity.fields),
  };
  const csv = csvColumns(entity.fields, !!importer);
  const crud: OwnedCrudConfig<OwnedEntity, object, UpdateInputBase, object, string> = {
    entity: entity as ClassType<OwnedEntity>,
    listName: naming.list(name),
    createInput: inputs.Create,
    updateInput: inputs.Update as ClassType<UpdateInputBase>,
    filterInput: inputs.Filter,
    orderField: inputs.OrderField,
    orderProperty: inputs.orderProperty,
    where: (f, ctx) => inputs.where(f as Record<string, unknown>, ctx) as FilterQuery<OwnedEntity>,
    csvColumns: csv,
    assertOrder: (field, f, ctx) => inputs.assertOrder(field, f as Record<string, unknown>, ctx),
    personalFilterFields: (f) => inputs.personalFilterFields(f as Record<string, unknown>),
    personalOrderFields: inputs.personalOrderFields,
    create: (input, ctx) =>
      decl.create ? decl.create(input as never, ctx) : Promise.resolve(ctx.em.create(entity, { ...input } as never, { persist: false }) as OwnedEntity),
    update: async (row, input, ctx) => (decl.update ? decl.update(row as never, input as never, ctx) : assignPresent(row, input)),
  };

  // What each generated field reads of the row (projection.ts): the owner, the personal value, a reference's key, nothing for a connection.
  const reads: Record<string, readonly string[]> = { ownerMinistry: ['ownerMinistry'], ...decl.reads };
  const declareReads = (_entity: string, field: string, properties: readonly string[]) => void (reads[field] = properties);

  // Field resolvers of the relations and personal fields, on one generated resolver class; each also resolved directly.
  const direct: DirectResolver[] = [];
  @Resolver(() => entity)
  class Fields {}
  for (const [field, p] of Object.entries(personal)) {
    declareReads(name, field, [field]);
    direct.push(
      defineField(
        Fields,
        () => entity,
        field,
        () => String,
        { nullable: p.nullable, description: `${p.description}${MASKED}` },
        ((row: Row<F>, ctx: Context) => personalValue(ctx, name, row, field, (row as Record<string, unknown>)[field] as string | null, p.masker)) as never,
      ),
    );
  }
  const referenceKeys = Object.entries(references).map(([field, r]) => [field, () => r.type().name, r.key ?? field] as const);
  for (const [field, r] of Object.entries(references)) {
    declareReads(name, field, [r.key ?? field]);
    direct.push(
      defineField(
        Fields,
        () => entity,
        field,
        r.type,
        { nullable: true, description: r.description ?? 'Null when the record is outside your read scope.' },
        ((row: Row<F>, ctx: Context, info: GraphQLResolveInfo) => {
          const value = (row as Record<string, unknown>)[r.key ?? field] as { id: string } | string | null | undefined;
          const key = typeof value === 'string' ? value : value?.id;
          if (!key) return null;
          const target = r.type();
          return ctx.loaders.byId(target, projection(info, [], ctx.em.getMetadata().get(target.name), [])).load(key);
        }) as never,
        undefined,
        true,
      ),
    );
  }
  const relations: [string, () => RelationSpec<object>][] = [];
  for (const [field, c] of Object.entries(decl.children ?? {})) {
    // Created at load time: type-graphql must see every type before the schema is built.
    const Connection = connectionOf(c.type());
    let known: RelationSpec<object> | undefined;
    const spec = () => (known ??= { entity: c.type() as never, parentProperty: c.parentProperty, resource: c.scoped ? c.type().name : undefined });
    relations.push([field, spec]);
    declareReads(name, field, []);
    direct.push(
      defineField(
        Fields,
        () => entity,
        field,
        () => Connection,
        { nullable: true, description: c.description },
        ((row: Row<F>, args: RelationArgs, ctx: Context, info: GraphQLResolveInfo) =>
          relationConnection(
            ctx,
            Connection as never,
            spec() as never,
            row.id,
            args,
            pageReads(info, spec(), (n) => ctx.em.getMetadata().get(n)),
          )) as never,
        RelationArgs,
      ),
    );
  }
  const clause = decl.sharedByClause ? naming.clauseType(name) : undefined;
  const maskers = Object.fromEntries(Object.entries(personal).map(([f, p]) => [f, p.masker]));

  const list = crud.listName;
  const staffScoped: OperationPolicy = { audience: 'staff', scoped: true };
  const writerScoped = { audience: 'writer', scoped: true } as const;
  return {
    name,
    entities: [entity, ...(decl.entities ?? [])],
    resolvers: [ownedCrudResolver(crud), Fields, ...(decl.resolvers ?? [])],
    node: entity,
    fields: entity.fields,
    owned: { table: naming.table(name), clause, readsAll: decl.readsAll, counted: true },
    personal: Object.keys(maskers).length ? maskers : undefined,
    queries: { [list]: staffScoped, [naming.exportField(name)]: staffScoped, ...decl.queries },
    mutations: {
      [naming.create(name)]: { ...writerScoped, audit: subject.row(name) },
      [naming.update(name)]: { ...writerScoped, audit: subject.row(name) },
      [naming.delete(name)]: { ...writerScoped, audit: subject.deleted(name) },
      ...decl.mutations,
    },
    itemRules: decl.itemRules,
    importer,
    list: { name: list, csvHeaders: csv },
    statistics: decl.statistics,
    fixture: decl.fixture,
    directResolvers: direct,
    reads,
    childRelations: relations,
    referenceKeys,
    rowUpdates: [naming.update(name)],
  };
}
