import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { badUserInput } from '../../shared/errors';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import { assignPresent, loadReadable, ownedCrudResolver } from '../../kernel/owned-crud';
import { Trainee } from '../trainee/trainee.entity';
import { PERSONAL_FIELDS } from '../../access/masking';
import { assertPersonalQueryAllowed, personalValue } from '../../access/personal-field';
import { ReturneeBusiness } from './returnee-business.entity';
import { CreateReturneeBusinessInput, ReturneeBusinessFilter, ReturneeBusinessOrderField, UpdateReturneeBusinessInput } from './returnee-business.inputs';

/** A village code starts with its province code. */
function assertVillageInProvince(villageCode: string, provinceCode: string) {
  if (!villageCode.startsWith(provinceCode)) throw badUserInput(`Village code ${villageCode} is not in province ${provinceCode}.`, 'input.villageCode');
}

export const ReturneeBusinessCrudResolver = ownedCrudResolver({
  entity: ReturneeBusiness,
  resource: 'ReturneeBusiness',
  csvColumns: ['id', 'ownerMinistry', 'returneeName', 'returneeNik', 'returneePhone', 'trainee', 'businessName', 'kbliCode', 'villageCode', 'provinceCode', 'foundedOn', 'employees', 'financingType', 'financingAmount', 'mentoringSessions'],
  listName: 'returneeBusinesses',
  createInput: CreateReturneeBusinessInput,
  updateInput: UpdateReturneeBusinessInput,
  filterInput: ReturneeBusinessFilter,
  orderField: ReturneeBusinessOrderField,
  orderProperty: { BUSINESS_NAME: 'businessName', FOUNDED_ON: 'foundedOn', EMPLOYEES: 'employees', CREATED_AT: 'createdAt' },
  personalFilterFields: (f: ReturneeBusinessFilter) => (f.returneeNik ? ['returneeNik'] : []),
  where: (f: ReturneeBusinessFilter, ctx: Context) => {
    if (f.returneeNik) assertPersonalQueryAllowed(ctx, 'ReturneeBusiness', ministryFilter(f.ownerMinistryId), 'filter.returneeNik');
    return compact({
      ownerMinistry: ministryFilter(f.ownerMinistryId),
      returneeNik: f.returneeNik,
      provinceCode: f.provinceCode,
      kbliCode: f.kbliPrefix ? { $like: `${f.kbliPrefix}%` } : undefined,
      financingType: f.financingType,
      businessName: searchFilter(f.search),
    });
  },
  create: async ({ traineeId, ...input }: CreateReturneeBusinessInput, ctx: Context) => {
    assertVillageInProvince(input.villageCode, input.provinceCode);
    const trainee = traineeId ? await loadReadable(ctx, Trainee, traineeId, 'input.traineeId') : null;
    return ctx.em.create(ReturneeBusiness, { ...input, trainee } as never, { persist: false });
  },
  update: async (row: ReturneeBusiness, input: UpdateReturneeBusinessInput) => {
    assertVillageInProvince(input.villageCode ?? row.villageCode, input.provinceCode ?? row.provinceCode);
    assignPresent(row, input);
  },
});

const MASKED = ' Personal data: masked unless you are the owner ministry or a clause in force shares personal data with you; full reads by other ministries are logged.';

@Resolver(() => ReturneeBusiness)
export class ReturneeBusinessResolver {
  @FieldResolver(() => String, { description: `The returnee's NIK.${MASKED}` })
  returneeNik(@Root() b: ReturneeBusiness, @Ctx() ctx: Context) {
    return personalValue(ctx, 'ReturneeBusiness', b, 'returneeNik', b.returneeNik, PERSONAL_FIELDS.ReturneeBusiness.returneeNik);
  }

  @FieldResolver(() => String, { nullable: true, description: `The returnee's phone.${MASKED}` })
  returneePhone(@Root() b: ReturneeBusiness, @Ctx() ctx: Context) {
    return personalValue(ctx, 'ReturneeBusiness', b, 'returneePhone', b.returneePhone, PERSONAL_FIELDS.ReturneeBusiness.returneePhone);
  }

  @FieldResolver(() => Trainee, { nullable: true, description: 'The returnee\'s trainee record, when known and in your read scope.' })
  trainee(@Root() b: ReturneeBusiness, @Ctx() ctx: Context) {
    return b.trainee ? ctx.loaders.byId(Trainee).load(b.trainee.id) : null;
  }
}
