/**
 * The compiled registry of the resource declarations: what the readers of
 * rows must know of every resource — the properties each declared field
 * reads, the relations to read ahead with a page, the update mutations whose
 * row BEGIN can read. `compile` builds it once from the declarations (the
 * composition root calls it), and it travels with the schema it was built
 * for (`registryOf(info.schema)`), so nothing is filled as a module loads.
 */
import type { GraphQLSchema } from 'graphql';
import type { RelationSpec } from './reads';
import type { DirectResolver } from './direct-resolvers';

type Children = readonly (readonly [field: string, spec: () => RelationSpec<object>])[];
type References = readonly (readonly [field: string, target: () => string, key: string])[];

/** What the registry takes of each resource declaration (resource/resource.ts's `Resource` has these). */
export interface RegistryEntry {
  name: string;
  reads?: Readonly<Record<string, readonly string[]>>;
  childRelations?: Children;
  referenceKeys?: References;
  rowUpdates?: readonly string[];
  directResolvers?: readonly DirectResolver[];
}

export class Registry {
  /** Field resolvers to put on the schema in place of type-graphql's wrapper. */
  readonly direct: readonly DirectResolver[];
  private readonly reads = new Map<string, ReadonlyMap<string, readonly string[]>>();
  private readonly children = new Map<string, Children>();
  private readonly references = new Map<string, References>();
  private readonly updates = new Map<string, string>();

  constructor(resources: readonly RegistryEntry[]) {
    this.direct = resources.flatMap((r) => r.directResolvers ?? []);
    for (const r of resources) {
      this.reads.set(r.name, new Map(Object.entries(r.reads ?? {})));
      this.children.set(r.name, r.childRelations ?? []);
      this.references.set(r.name, r.referenceKeys ?? []);
      for (const field of r.rowUpdates ?? []) this.updates.set(field, r.name);
    }
    Object.freeze(this);
  }

  /** The properties field `field` of `entity` is resolved from, when its resource declares them. */
  readsOf(entity: string, field: string): readonly string[] | undefined {
    return this.reads.get(entity)?.get(field);
  }

  /** The one-to-many relations of `entity` (its connections). */
  childrenOf(entity: string): Children {
    return this.children.get(entity) ?? [];
  }

  /** The many-to-one references of `entity`: field, target type, and the property holding the key. */
  referencesOf(entity: string): References {
    return this.references.get(entity) ?? [];
  }

  /** The entity whose one row the update mutation `field` changes, named by `input.id`. */
  updatedBy(field: string): string | undefined {
    return this.updates.get(field);
  }
}

export const compile = (resources: readonly RegistryEntry[]) => new Registry(resources);

const KEY = 'sinergiRegistry';

/** The schema, carrying the registry it was built with. */
export function withRegistry(schema: GraphQLSchema, registry: Registry): GraphQLSchema {
  (schema.extensions as Record<string, unknown>)[KEY] = registry;
  return schema;
}

/** The registry a schema was built with. */
export function registryOf(schema: GraphQLSchema): Registry {
  const registry = (schema.extensions as Record<string, unknown>)[KEY];
  if (!(registry instanceof Registry)) throw new Error('the schema was built without the resource registry (withRegistry)');
  return registry;
}
