/**
 * Layer 1 of access (access-model.md): who may call which operation, as
 * graphql-shield rules built from the policy table (`policy.ts`). Deny by
 * default: `fallbackRule` is deny, so a root field or type added without a
 * rule is refused until someone decides who may use it.
 */
import type { GraphQLSchema } from 'graphql';
import { middleware } from 'graphql-middleware';
import { allow, deny, rule, shield } from 'graphql-shield';
import type { IRule } from 'graphql-shield';
import { Ministry } from '../data/ministry.entity';
import type { Context } from '../context';
import { forbidden, unauthenticated } from '../shared/errors';
import { AUDIENCE_ROLES, type Audience, type PolicyTable } from '../access/policy';
import { MINISTRY_ROLES, Role } from '../access/roles';
import { present } from '../shared/present';

const PENDING = 'Your account awaits approval by an ADMIN of your ministry: until then you may read only your own account.';
/** Any identity the database recognised, an account pending approval included. */
const identified = rule('identified', { cache: 'contextual' })((_p, _a, ctx: Context) => (ctx.viewer ? true : unauthenticated(ctx.authProblem())));
const authenticated = rule('authenticated', { cache: 'contextual' })((_p, _a, ctx: Context) =>
  !ctx.viewer ? unauthenticated(ctx.authProblem()) : ctx.viewer.pending ? forbidden(PENDING, 'account:pending-approval') : true,
);

const MESSAGES: Record<Audience, string> = {
  anyone: '',
  identified: '',
  authenticated: '',
  staff: 'Only ministry staff may do this.',
  writer: 'Only a ministry EDITOR or ADMIN may change records.',
  admin: 'Only a ministry ADMIN may do this.',
  'staff-or-auditor': 'Only ministry staff and auditors read MoUs.',
  'platform-admin': 'Only a PLATFORM_ADMIN may do this.',
  'account-managers': 'Only a ministry ADMIN or a PLATFORM_ADMIN manages accounts.',
  'coordinator-writer': 'Only an EDITOR or ADMIN of the coordinating ministry (KP2MI) edits reference data.',
  'audit-readers': 'Only auditors and ministry ADMINs read the audit log.',
  auditor: 'Only an AUDITOR may do this.',
};

function audienceRule(audience: Audience): IRule | typeof allow {
  if (audience === 'anyone') return allow;
  if (audience === 'authenticated') return authenticated;
  if (audience === 'identified') return identified;

  const roles = AUDIENCE_ROLES[audience];
  return rule(`audience:${audience}`, { cache: 'contextual' })(async (_p, _a, ctx: Context) => {
    if (!ctx.viewer) return unauthenticated(ctx.authProblem());
    if (ctx.viewer.pending) return forbidden(PENDING, 'account:pending-approval');
    const needsMinistry = roles.every((r) => MINISTRY_ROLES.has(r));
    if (!roles.includes(ctx.viewer.role) || (needsMinistry && !ctx.viewer.ministryId)) return forbidden(MESSAGES[audience], `audience:${audience}`);
    if (
      audience === 'coordinator-writer' &&
      !(await ctx.loaders.byId(Ministry).load(present(ctx.viewer.ministryId, 'the ministry of a ministry role')))?.isCoordinator
    )
      return forbidden(MESSAGES[audience], `audience:${audience}`);
    return true;
  });
}

// One rule per audience: shield caches results by rule name, and refuses two rules with one name.
const RULES = Object.fromEntries((Object.keys(AUDIENCE_ROLES) as Audience[]).map((a) => [a, audienceRule(a)])) as Record<
  Audience,
  ReturnType<typeof audienceRule>
>;

const rules = (policy: Readonly<Record<string, { audience: Audience }>>) =>
  Object.fromEntries(Object.entries(policy).map(([field, p]) => [field, RULES[p.audience]]));

/**
 * The shield for a policy table, on the root fields only. Each root field gets
 * its audience's rule; one without a row in the table is refused
 * (`fallbackRule: deny`) until someone decides who may use it, and
 * `assertEveryRootFieldHasAPolicy` fails the server's start before that can
 * happen. Fields of object types are not wrapped: they are reached only
 * through a root field that passed its rule, which rows appear is the scope's
 * business, and personal fields decide full or masked in their own resolvers.
 * Wrapping each of them cost a promise chain per field of every row (a page of
 * 1,000 trainees is 7,000 of them) and decided nothing.
 */
export function permissionsFor(policy: PolicyTable) {
  const generator = shield(
    { Query: rules(policy.query), Mutation: rules(policy.mutation), Subscription: rules(policy.subscription ?? {}) },
    {
      fallbackRule: deny,
      fallbackError: () => forbidden('No access rule allows this field.', 'fallback:deny'),
      // Let our own errors (codes, fields) through instead of shield's "Not Authorised!".
      allowExternalErrors: true,
      debug: false,
    },
  );
  return middleware((schema: GraphQLSchema) => {
    const all = generator.generate(schema) as Record<string, unknown>;
    return { Query: all.Query, Mutation: all.Mutation, ...(schema.getSubscriptionType() ? { Subscription: all.Subscription } : {}) } as never;
  });
}

/** Deny by default, checked when the schema is built: every root field needs a row in the policy table. */
export function assertEveryRootFieldHasAPolicy(schema: GraphQLSchema, policy: PolicyTable): void {
  const missing = [
    ...Object.keys(schema.getQueryType()?.getFields() ?? {})
      .filter((f) => !(f in policy.query))
      .map((f) => `Query.${f}`),
    ...Object.keys(schema.getMutationType()?.getFields() ?? {})
      .filter((f) => !(f in policy.mutation))
      .map((f) => `Mutation.${f}`),
    ...Object.keys(schema.getSubscriptionType()?.getFields() ?? {})
      .filter((f) => !(f in (policy.subscription ?? {})))
      .map((f) => `Subscription.${f}`),
  ];
  if (missing.length) throw new Error(`root fields without an access policy: ${missing.join(', ')}`);
}
