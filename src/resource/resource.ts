/**
 * A resource declaration: everything the rest of the system needs to know
 * about one kind of record, stated once, beside its module. The composition
 * root (`src/modules/index.ts`) lists the declarations; from that one list
 * come the ORM's entities, the schema's resolvers, `node` types, the policy
 * table (shield rules, `accessMatrix`, `explainAccess`), the audit subject of
 * every mutation, the CSV import and export, the statistics, and the
 * database's own policies (`npm run db:resources` writes them as a migration;
 * a test fails while the applied database differs from the declarations).
 */
import type { ClassType } from 'type-graphql';
import type { Context } from '../context';
import type { OperationPolicy } from '../access/policy';
import type { Masker } from '../access/masking';
import type { Role } from '../access/roles';
import type { ResourceType } from '../shared/enums';
import type { ImportSpec } from './csv-import';
import type { Fields } from './fields';
import type { RelationSpec } from '../data/reads';
import type { DirectResolver } from '../data/direct-resolvers';
import { parseGlobalId } from '../shared/global-id';

/** Which record a mutation was about, and whose data it is (its ministry's ADMIN may read the event). */
export interface AuditSubject {
  entityType: string;
  entityId: string | null;
  subjectMinistryId: string | null;
}
/** What a mutation's audit subject is derived from. */
export interface SubjectInput {
  args: Record<string, unknown>;
  /** For a deletion: the owner ministry the deleted row had. */
  deletedOwner: string | null;
  actorMinistryId: string | null;
}
/** Derives the audit subject from a mutation's result and arguments; declared per mutation, never guessed. */
export type SubjectOf = (result: unknown, input: SubjectInput) => AuditSubject;

export interface MutationPolicy extends OperationPolicy {
  audit: SubjectOf;
}

/** A resource's rows as the database guards them: the table, and how it may be shared. */
export interface OwnedTable {
  table: string;
  /** The clause resource type that shares it with another ministry; absent: never shared by clauses. */
  clause?: ResourceType;
  /** Roles that read every row (auditors read every MoU). */
  readsAll?: readonly Role[];
  /** A uuid-array column of ministries that read the row and sign/decide on it besides its owner (MoU parties). */
  partyColumn?: string;
  /** The database keeps its rows' count per owner (row-counts.ts): triggers that `npm run db:resources` writes. */
  counted?: boolean;
}

/** The rules of one record beyond "own ministry writes, scope reads", for `explainAccess`. */
export interface ItemRules {
  /** Ministries besides the owner that read the row (MoU parties). */
  parties?(row: object): readonly string[];
  /** Refines the write decision for one row, e.g. "the drafter edits an MoU only while it is a draft". */
  write?(row: object, ctx: Context, decided: { canWrite: boolean; rule: string }): { canWrite: boolean; rule: string };
}

/** One breakdown of `statistics`: a GROUP BY over the resource's table (aliased `t`) in the caller's scope. */
export interface Breakdown {
  /** Joins after `<table> t`, e.g. `join program p on p.id = t.program_id`. */
  join?: string;
  /** SQL of the group key. */
  key: string;
  /** SQL of the bucket's capacity figure (a sum); none: null. */
  capacity?: string;
  /** How keys are labelled for people. */
  label?: 'ministry' | 'province' | 'country' | 'enum' | Readonly<Record<string, string>>;
  /** What it counts, for the schema (every field of the schema is described). */
  description: string;
}

export interface Total {
  /** SQL aggregate over the resource's table in scope, e.g. `count(*)`. */
  sql: string;
  type?: 'Int' | 'Float';
  /** What it counts, for the schema (every field of the schema is described). */
  description: string;
}

export interface StatisticsSpec {
  totals?: Readonly<Record<string, Total>>;
  breakdowns?: Readonly<Record<string, Breakdown>>;
}

/** Rows of a test world: one per resource declared before, by type name, all of one ministry. */
export type FixtureWorld = Readonly<Record<string, { id: string }>>;

/**
 * What the generic test suites need to exercise a resource (CRUD, the permission matrix, the audit
 * trail, isolation): every declaration carries one, and the suites fail for a resource without it.
 */
export interface Fixture {
  /** A row's properties besides its owner, its relations pointing into `world`; `n` keeps unique values unique. */
  row(world: FixtureWorld, n: number): Record<string, unknown>;
  /** A valid create input, relations as global ids of `world`'s rows; `fresh` makes a row of its own of a type. */
  create(world: FixtureWorld, fresh: (type: string) => Promise<{ id: string }>, n: number): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Create inputs refused: a label, the valid input made bad, and the field the error must name. */
  bad: readonly (readonly [label: string, make: (valid: Record<string, unknown>) => Record<string, unknown>, field: string])[];
  /** A valid change of a world row, and a refused one with the field named. */
  change: Record<string, unknown>;
  badChange: readonly [Record<string, unknown>, string];
}

export interface Resource {
  /** GraphQL type and entity class name. */
  name: string;
  /** Entity classes the ORM maps for this resource. */
  entities: readonly ClassType<object>[];
  /** Resolver classes this resource adds to the schema. */
  resolvers: readonly Function[];
  /** Answers `node(id:)` and `explainAccess` with this entity. */
  node?: ClassType<object>;
  owned?: OwnedTable;
  /** The fields of a resource made from them (fields.ts). */
  fields?: Fields;
  /** Personal fields (UU 27/2022) and their maskers. */
  personal?: Readonly<Record<string, Masker>>;
  queries: Readonly<Record<string, OperationPolicy>>;
  mutations: Readonly<Record<string, MutationPolicy>>;
  itemRules?: ItemRules;
  importer?: ImportSpec;
  /** The root list and its CSV file's columns (csv-layout.ts): `GET /export/<name>.csv` streams it. */
  list?: { name: string; csvHeaders: readonly string[] };
  statistics?: StatisticsSpec;
  fixture?: Fixture;
  /** What each field resolved by code reads of the row (projection.ts): field → properties. */
  reads?: Readonly<Record<string, readonly string[]>>;
  /** Its connections, read ahead with a page (relations-ahead.ts). */
  childRelations?: readonly (readonly [field: string, spec: () => RelationSpec<object>])[];
  /** Its many-to-one references: field, target type, and the property holding the key. */
  referenceKeys?: readonly (readonly [field: string, target: () => string, key: string])[];
  /** Its update mutations whose row BEGIN can read (row-update.ts). */
  rowUpdates?: readonly string[];
  /** Field resolvers run past type-graphql's wrapper (direct-resolvers.ts). */
  directResolvers?: readonly DirectResolver[];
}

/** The standard audit subjects. */
export const subject = {
  /** The returned record, owned by a ministry (or a ministry itself). */
  row:
    (type: string): SubjectOf =>
    (result) => {
      const r = result as { id?: string; code?: string; ownerMinistry?: { id: string }; ministry?: { id: string } | null } | null;
      return {
        entityType: type,
        entityId: r?.id ?? r?.code ?? null,
        subjectMinistryId: r?.ownerMinistry?.id ?? r?.ministry?.id ?? (type === 'Ministry' ? (r?.id ?? null) : null),
      };
    },
  /** A deletion: the deleted id, and the owner the row had. */
  deleted:
    (type: string): SubjectOf =>
    (result, { deletedOwner }) => {
      const id = (result as { deletedId?: string } | null)?.deletedId ?? null;
      return { entityType: type, entityId: id ? (parseGlobalId(id)?.id ?? null) : null, subjectMinistryId: deletedOwner };
    },
  /** About the caller's own ministry's records as a whole (an import: the event's changes describe it). */
  ownMinistry:
    (type: (args: Record<string, unknown>) => string): SubjectOf =>
    (_r, { args, actorMinistryId }) => ({ entityType: type(args), entityId: null, subjectMinistryId: actorMinistryId }),
};
