import { requireOwnMinistry } from '../../resource/guards';
import { Extensions, Arg, Ctx, Field, FieldResolver, ID, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { FIELD_COST } from '../../shared/query-limits';
import type { Context } from '../../context';
import { ResourceType } from '../../shared/enums';
import type { Resource } from '../../resource/resource';
import { badUserInput } from '../../shared/errors';
import { toGlobalId } from '../../shared/global-id';
import { Ministry } from '../../data/ministry.entity';
import { DataSharingClause, Mou } from '../mou/mou.entity';
import { parseNik } from '../trainee/nik';
import { PersonalDataRead } from './personal-data-read.entity';

@ObjectType({ simpleResolvers: true })
class SubjectRecord {
  @Field(() => ResourceType) resourceType!: ResourceType;
  @Field(() => ID, { description: 'Global id of your record about this person.' }) id!: string;
}

@ObjectType({ simpleResolvers: true, description: "UU 27/2022: which other ministries read a person's data, when, and under which MoU clause." })
class DataSubjectAccessReport {
  @Field(() => String) nik!: string;
  @Field(() => [SubjectRecord], { description: "Your ministry's records with this NIK." }) records!: SubjectRecord[];
  @Field(() => [PersonalDataRead], { description: 'Reads of their full personal data by other ministries, oldest first.' }) reads!: PersonalDataRead[];
}

/** The records that hold a data subject's NIK: each resource's field the declarations mark `identifiesSubject`. */
function subjectLookups(resources: readonly Resource[]) {
  return resources.flatMap((r) =>
    Object.entries(r.fields ?? {}).flatMap(([key, f]) =>
      f.identifiesSubject && r.node && r.owned?.clause ? [{ entity: r.node, name: r.name, key, resourceType: r.owned.clause }] : [],
    ),
  );
}

/** The data-subject access report, over every resource that records a person's NIK. */
export function personalDataResolver(resources: readonly Resource[]) {
  const lookups = subjectLookups(resources);
  // A read-log row names its record's resource type; its global id needs the type's name.
  const typeName = new Map(resources.flatMap((r) => (r.owned?.clause ? [[r.owned.clause, r.name] as const] : [])));

  @Resolver(() => PersonalDataRead)
  class PersonalDataResolver {
    @Extensions({ cost: FIELD_COST.dataSubjectAccessReport })
    @Query(() => DataSubjectAccessReport, { nullable: true, description: 'For the owner ministry: who read the personal data of the person with this NIK.' })
    async dataSubjectAccessReport(@Arg('nik', () => String) nik: string, @Ctx() ctx: Context): Promise<DataSubjectAccessReport> {
      const parsed = parseNik(nik);
      if (typeof parsed === 'string') throw badUserInput(`${parsed}.`, 'nik');
      const own = requireOwnMinistry(ctx);
      const found = await Promise.all(
        lookups.map(async (l) => ({ l, rows: (await ctx.em.find(l.entity, { [l.key]: nik, ownerMinistry: own } as never)) as { id: string }[] })),
      );
      const records = found.flatMap(({ l, rows }) => rows.map((row) => ({ resourceType: l.resourceType, id: toGlobalId(l.name, row.id) })));
      const ids = found.flatMap(({ rows }) => rows.map((r) => r.id));
      const reads = ids.length
        ? await ctx.em.find(PersonalDataRead, { ownerMinistry: own, recordId: { $in: ids } }, { orderBy: { readAt: 'asc', id: 'asc' } })
        : [];
      return { nik, records, reads };
    }

    @FieldResolver(() => ID, { description: 'Global id of the record read.' })
    recordId(@Root() r: PersonalDataRead) {
      return toGlobalId(typeName.get(r.resourceType) ?? r.resourceType, r.recordId);
    }

    @FieldResolver(() => Ministry)
    readerMinistry(@Root() r: PersonalDataRead, @Ctx() ctx: Context) {
      return ctx.loaders.byId(Ministry).load(r.readerMinistry.id);
    }

    @FieldResolver(() => Mou, { nullable: true, description: 'The MoU the read was made under.' })
    mou(@Root() r: PersonalDataRead, @Ctx() ctx: Context) {
      return ctx.loaders.byId(Mou).load(r.mou.id);
    }

    @FieldResolver(() => DataSharingClause, { nullable: true })
    clause(@Root() r: PersonalDataRead, @Ctx() ctx: Context) {
      return ctx.loaders.byId(DataSharingClause).load(r.clause.id);
    }
  }
  return PersonalDataResolver;
}
