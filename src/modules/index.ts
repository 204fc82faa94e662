/**
 * The composition root: the one list of resources. Everything that must know
 * every resource reads it from here — the ORM's entities, the schema's
 * resolvers, `node`, the policy table behind the shield, `accessMatrix` and
 * `explainAccess`, the audit subject of each mutation, the CSV import, the
 * statistics, and the generator of the database's policies
 * (`npm run db:resources`). To add a resource, write its module with a
 * `<name>.resource.ts` and add it to RESOURCES (docs/architecture.md: "Adding a resource").
 */
import { BaseEntity } from '../data/base.entity';
import { OwnedEntity } from '../data/owned.entity';
import { naming, sentence, words } from '../resource/naming';
import { defineResourceTypes } from '../shared/enums';
import type { PolicyTable } from '../access/policy';
import type { ImportSpec } from '../resource/csv-import';
import type { MutationPolicy, Resource, SubjectOf } from '../resource/resource';
import { compile } from '../data/registry';
import { accountResource } from './account/account.resource';
import { apiClientResource } from './api-client/api-client.resource';
import { auditResource } from './audit/audit.resource';
import { changesPolicy, changesResolver } from './change/change.resolver';
import { countryResource } from './country/country.resource';
import { enrollmentResource } from './enrollment/enrollment.resource';
import { explainPolicy, explainResolver } from './explain/explain.resolver';
import { importPolicy, importResolver } from './import/import.resolver';
import { institutionResource } from './institution/institution.resource';
import { ministryResource } from './ministry/ministry.resource';
import { mouResource } from './mou/mou.resource';
import { nodeIdResolvers, nodePolicy, nodeResolver } from './node/node.resolver';
import { placementResource } from './placement/placement.resource';
import { personalDataResource } from './personal-data/personal-data.resource';
import { personalDataResolver } from './personal-data/personal-data.resolver';
import { programResource } from './program/program.resource';
import { returneeBusinessResource } from './returnee-business/returnee-business.resource';
import { statisticsPolicy, statisticsResolver } from './statistics/statistics.resolver';
import { traineeResource } from './trainee/trainee.resource';

export const RESOURCES: readonly Resource[] = [
  ministryResource,
  countryResource,
  institutionResource,
  programResource,
  traineeResource,
  enrollmentResource,
  returneeBusinessResource,
  placementResource,
  mouResource,
  accountResource,
  apiClientResource,
  personalDataResource,
  auditResource,
];

// The kinds of record a clause can share: one per resource shared by clauses, before the ORM or the schema reads them.
defineResourceTypes(
  RESOURCES.flatMap((r) =>
    r.owned?.clause ? [{ value: r.owned.clause, description: `${sentence(words(naming.list(r.name)))}${r.personal ? ' (personal data)' : ''}.` }] : [],
  ),
);

/** The resources whose rows a ministry owns: row-level security, `Scope`, statistics. */
export const OWNED_RESOURCES = RESOURCES.filter((r) => r.owned);

export const IMPORTERS: readonly ImportSpec[] = RESOURCES.flatMap((r) => (r.importer ? [r.importer] : []));

const MUTATIONS: Readonly<Record<string, MutationPolicy>> = Object.assign({}, ...RESOURCES.map((r) => r.mutations), importPolicy(IMPORTERS));

/** Every root operation and who may call it. */
export const POLICY: PolicyTable = {
  query: Object.assign({}, nodePolicy, explainPolicy, statisticsPolicy, ...RESOURCES.map((r) => r.queries)),
  mutation: MUTATIONS,
  subscription: changesPolicy,
};

/** The audit subject of every mutation, as declared. */
export const AUDIT_SUBJECTS: Readonly<Record<string, SubjectOf>> = Object.fromEntries(Object.entries(MUTATIONS).map(([name, m]) => [name, m.audit]));

/** Every entity the ORM maps. Listed, not scanned: tsx, vitest and the compiled build discover the same set. */
export const ENTITIES = [BaseEntity, OwnedEntity, ...RESOURCES.flatMap((r) => r.entities)];

/** The compiled registry of the declarations, handed to the schema (`withRegistry`) and read through it. */
export const REGISTRY = compile([...RESOURCES, { name: 'Node', directResolvers: nodeIdResolvers(RESOURCES) }]);

/** Every resolver of the schema. */
export const RESOLVERS = [
  ...RESOURCES.flatMap((r) => r.resolvers),
  nodeResolver(RESOURCES),
  changesResolver(RESOURCES),
  explainResolver(RESOURCES, POLICY),
  statisticsResolver(RESOURCES),
  importResolver(IMPORTERS),
  ...personalDataResolver(RESOURCES),
] as unknown as [Function, ...Function[]];
