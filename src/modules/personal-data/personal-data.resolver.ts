import { requireOwnMinistry } from '../../access/guards';
import { Extensions, Arg, Ctx, Field, FieldResolver, ID, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { FIELD_COST } from '../../shared/query-limits';
import type { Context } from '../../context';
import { ResourceType } from '../../shared/enums';
import { badUserInput } from '../../shared/errors';
import { toGlobalId } from '../../shared/global-id';
import { Ministry } from '../../kernel/ministry.entity';
import { DataSharingClause } from '../mou/data-sharing-clause.entity';
import { Mou } from '../mou/mou.entity';
import { ReturneeBusiness } from '../returnee-business/returnee-business.entity';
import { parseNik } from '../trainee/nik';
import { Trainee } from '../trainee/trainee.entity';
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

const TYPE_NAME: Record<string, string> = { [ResourceType.TRAINEE]: 'Trainee', [ResourceType.RETURNEE_BUSINESS]: 'ReturneeBusiness' };

@Resolver(() => PersonalDataRead)
export class PersonalDataResolver {
  @Extensions({ cost: FIELD_COST.dataSubjectAccessReport })
  @Query(() => DataSubjectAccessReport, { nullable: true, description: 'For the owner ministry: who read the personal data of the person with this NIK.' })
  async dataSubjectAccessReport(@Arg('nik', () => String) nik: string, @Ctx() ctx: Context): Promise<DataSubjectAccessReport> {
    const parsed = parseNik(nik);
    if (typeof parsed === 'string') throw badUserInput(`${parsed}.`, 'nik');
    const own = requireOwnMinistry(ctx);
    const [trainees, businesses] = await Promise.all([
      ctx.em.find(Trainee, { nik, ownerMinistry: own }),
      ctx.em.find(ReturneeBusiness, { returneeNik: nik, ownerMinistry: own }),
    ]);
    const records = [
      ...trainees.map((t) => ({ resourceType: ResourceType.TRAINEE, id: toGlobalId('Trainee', t.id) })),
      ...businesses.map((b) => ({ resourceType: ResourceType.RETURNEE_BUSINESS, id: toGlobalId('ReturneeBusiness', b.id) })),
    ];
    const ids = [...trainees, ...businesses].map((r) => r.id);
    const reads = ids.length
      ? await ctx.em.find(PersonalDataRead, { ownerMinistry: own, recordId: { $in: ids } }, { orderBy: { readAt: 'asc', id: 'asc' } })
      : [];
    return { nik, records, reads };
  }

  @FieldResolver(() => ID, { description: 'Global id of the record read.' })
  recordId(@Root() r: PersonalDataRead) {
    return toGlobalId(TYPE_NAME[r.resourceType], r.recordId);
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
