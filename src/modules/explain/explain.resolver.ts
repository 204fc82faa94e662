/**
 * `explainAccess` and `accessMatrix`: why a caller may or may not read or
 * change a record (naming the rule, and for shared data the MoU and clause),
 * and what each role may call. Both come from the same scope and policy
 * table that enforce access, so the explanation is the enforcement.
 */
import { Extensions, Arg, Ctx, Field, ID, Info, ObjectType, Query, Resolver, registerEnumType, type ClassType } from 'type-graphql';
import { FIELD_COST } from '../../shared/query-limits';
import { isObjectType, type GraphQLResolveInfo } from 'graphql';
import { badUserInput } from '../../shared/errors';
import type { Context } from '../../context';
import { DataSharingClause, Mou } from '../mou/mou.entity';
import type { OwnedEntity } from '../../data/owned.entity';
import type { Resource } from '../../resource/resource';
import { parseGlobalId } from '../../shared/global-id';
import { Access, accessFor, type OperationPolicy, type PolicyTable } from '../../access/policy';
import { isWriter, Role } from '../../access/roles';

registerEnumType(Access, { name: 'Access' });

export enum FieldAccess {
  FULL = 'FULL',
  MASKED = 'MASKED',
  NOT_PERSONAL = 'NOT_PERSONAL',
  NONE = 'NONE',
}
registerEnumType(FieldAccess, { name: 'FieldAccess' });

@ObjectType({ simpleResolvers: true })
class AccessExplanation {
  @Field(() => ID) id!: string;
  @Field(() => Boolean) canRead!: boolean;
  @Field(() => Boolean) canWrite!: boolean;
  @Field(() => String, { description: 'The rule that decides reading, e.g. own-ministry, mou-clause, mou-party, not-in-scope.' }) readRule!: string;
  @Field(() => String, { description: 'The rule that decides writing.' }) writeRule!: string;
  @Field(() => String) reason!: string;
  @Field(() => Mou, { nullable: true, description: 'For shared data: the MoU in force.' }) mou!: Mou | null;
  @Field(() => DataSharingClause, { nullable: true, description: 'For shared data: the clause in force.' }) clause!: DataSharingClause | null;
  @Field(() => String, { nullable: true }) field!: string | null;
  @Field(() => FieldAccess, { nullable: true }) fieldAccess!: FieldAccess | null;
  @Field(() => String, { nullable: true, description: 'The rule that decides the field.' }) fieldRule!: string | null;
}

@ObjectType({ simpleResolvers: true })
class AccessMatrixCell {
  @Field(() => Role) role!: Role;
  @Field(() => Access) access!: Access;
}

@ObjectType({ simpleResolvers: true })
class AccessMatrixRow {
  @Field(() => String) operation!: string;
  @Field(() => String, { description: 'query or mutation' }) kind!: string;
  @Field(() => [AccessMatrixCell]) cells!: AccessMatrixCell[];
}

const NOT_IN_SCOPE = 'No record with this id in your read scope (the same answer as for an id that does not exist).';

/** `explainAccess` and `accessMatrix` over the declared resources and their policy table. */
export function explainResolver(resources: readonly Resource[], policy: PolicyTable) {
  const byName = new Map(resources.filter((r) => r.node).map((r) => [r.name, r]));

  @Resolver()
  class ExplainResolver {
    @Extensions({ cost: FIELD_COST.explainAccess })
    @Query(() => AccessExplanation, { nullable: true, description: 'Whether you may read or change a record (and one of its fields), and why.' })
    async explainAccess(
      @Arg('id', () => ID) id: string,
      @Arg('field', () => String, { nullable: true }) field: string | null,
      @Ctx() ctx: Context,
      @Info() info: GraphQLResolveInfo,
    ): Promise<AccessExplanation> {
      const none: AccessExplanation = {
        id,
        canRead: false,
        canWrite: false,
        readRule: 'not-in-scope',
        writeRule: 'not-in-scope',
        reason: NOT_IN_SCOPE,
        mou: null,
        clause: null,
        field,
        fieldAccess: field ? FieldAccess.NONE : null,
        fieldRule: field ? 'not-in-scope' : null,
      };
      const parsed = parseGlobalId(id);
      const resource = parsed && byName.get(parsed.type);
      if (!parsed || !resource) return none;
      // Only a field the record's type has: any other name (`__proto__`, a typo) would be answered about nothing.
      const type = info.schema.getType(resource.name);
      if (field !== null && field !== undefined && !(isObjectType(type) && Object.hasOwn(type.getFields(), field)))
        throw badUserInput(`${resource.name} has no field "${field.slice(0, 100)}".`, 'field');
      const row = (await ctx.loaders.byId(resource.node as ClassType<object>).load(parsed.id)) as OwnedEntity | null;
      if (!row) return none;
      if (!resource.owned) {
        return {
          ...none,
          canRead: true,
          readRule: 'reference-data',
          writeRule: ctx.viewer?.role === Role.PLATFORM_ADMIN ? 'platform-admin' : 'platform-admin-only',
          canWrite: ctx.viewer?.role === Role.PLATFORM_ADMIN,
          reason: 'Ministries are reference data every authenticated caller reads; only a PLATFORM_ADMIN changes them.',
          fieldAccess: field ? FieldAccess.NOT_PERSONAL : null,
          fieldRule: field ? 'reference-data' : null,
        };
      }
      const owner = row.ownerMinistry.id;
      const read = ctx.scope.readReason(resource.name, owner, resource.itemRules?.parties?.(row) ?? []);
      if (!read) return none;
      const grant = read.rule === 'mou-clause' ? read.grant : null;
      const [mou, clause] = grant
        ? await Promise.all([ctx.loaders.byId(Mou).load(grant.mouId), ctx.loaders.byId(DataSharingClause).load(grant.clauseId)])
        : [null, null];
      const reasons: Record<string, string> = {
        'own-ministry': 'Your ministry owns this record.',
        'reads-all': 'Your role reads every record of this kind (auditors: every MoU).',
        party: 'Your ministry is a party to this record.',
        'mou-clause': `Shared with your ministry, read-only, under a clause in force of "${mou?.title ?? 'an MoU'}".`,
        system: 'System scope.',
      };
      const ownWrite = isWriter(ctx.viewer) && ctx.scope.canWrite(owner);
      const decided = { canWrite: ownWrite, rule: ownWrite ? 'own-ministry' : isWriter(ctx.viewer) ? 'write-scope:own-ministry-only' : 'role:editor-or-admin' };
      const { canWrite, rule: writeRule } = resource.itemRules?.write?.(row, ctx, decided) ?? decided;
      let fieldAccess: FieldAccess | null = null;
      let fieldRule: string | null = null;
      if (field) {
        if (!Object.hasOwn(resource.personal ?? {}, field)) {
          fieldAccess = FieldAccess.NOT_PERSONAL;
          fieldRule = read.rule;
        } else {
          const personal = ctx.scope.personalAccess(resource.name, owner);
          fieldAccess = personal.full ? FieldAccess.FULL : FieldAccess.MASKED;
          fieldRule = !personal.full ? 'personal-data:masked' : personal.grant ? 'mou-clause:includes-personal-data' : 'own-ministry';
        }
      }
      return {
        id,
        canRead: true,
        canWrite,
        readRule: read.rule,
        writeRule,
        reason: reasons[read.rule],
        mou: mou ?? null,
        clause: clause ?? null,
        field,
        fieldAccess,
        fieldRule,
      };
    }

    @Extensions({ cost: FIELD_COST.accessMatrix })
    @Query(() => [AccessMatrixRow], {
      nullable: true,
      description: 'What each role may call: ALLOWED, DENIED, or SCOPED (allowed within its ministry and the MoUs in force).',
    })
    accessMatrix(): AccessMatrixRow[] {
      const rows = (kind: string, table: Readonly<Record<string, OperationPolicy>>) =>
        Object.entries(table).map(([operation, p]) => ({ operation, kind, cells: Object.values(Role).map((role) => ({ role, access: accessFor(p, role) })) }));
      return [...rows('query', policy.query), ...rows('mutation', policy.mutation)];
    }
  }
  return ExplainResolver;
}

export const explainPolicy = {
  explainAccess: { audience: 'authenticated', scoped: true },
  accessMatrix: { audience: 'authenticated', scoped: false },
} as const;
