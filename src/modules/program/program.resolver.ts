import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { assertOpenDestinations } from '../country/country.rules';
import { destinationCountries } from '../country/country.service';
import type { Context } from '../../context';
import { badUserInput } from '../../shared/errors';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import { fromGlobalId } from '../../shared/global-id';
import { connectionOf } from '../../shared/pagination';
import { assignPresent, loadWritable, ownedCrudResolver } from '../../kernel/owned-crud';
import { relationConnection, RelationArgs } from '../../kernel/relation-connection';
import { DestinationCountry } from '../country/country.entity';
import { Enrollment } from '../enrollment/enrollment.entity';
import { Institution } from '../institution/institution.entity';
import { Program } from './program.entity';
import { assertDateOrder } from './program.rules';
import { CreateProgramInput, ProgramFilter, ProgramOrderField, UpdateProgramInput } from './program.inputs';

// Created at load time: type-graphql must see every type before the schema is built.
const EnrollmentConnection = connectionOf(Enrollment);

export const ProgramCrudResolver = ownedCrudResolver({
  entity: Program,
  resource: 'Program',
  csvColumns: ['id', 'externalId', 'ownerMinistry', 'institution', 'title', 'sector', 'targetCountryCodes', 'capacityPerIntake', 'startDate', 'endDate', 'status', 'competencyStandard', 'certificationScheme', 'languageRequirement'],
  listName: 'programs',
  createInput: CreateProgramInput,
  updateInput: UpdateProgramInput,
  filterInput: ProgramFilter,
  orderField: ProgramOrderField,
  orderProperty: { TITLE: 'title', START_DATE: 'startDate', CAPACITY_PER_INTAKE: 'capacityPerIntake', CREATED_AT: 'createdAt' },
  where: (f: ProgramFilter) =>
    compact({
      ownerMinistry: ministryFilter(f.ownerMinistryId),
      institution: f.institutionId ? fromGlobalId(f.institutionId, 'Institution', 'filter.institutionId') : undefined,
      sector: f.sector,
      status: f.status,
      targetCountryCodes: f.destinationCountryCode ? { $contains: [f.destinationCountryCode] } : undefined,
      title: searchFilter(f.search),
    }),
  create: async ({ institutionId, ...input }: CreateProgramInput, ctx: Context) => {
    // A programme belongs to an institution the caller's ministry runs.
    const institution = await loadWritable(ctx, Institution, institutionId, 'input.institutionId');
    assertDateOrder(input.startDate, input.endDate, 'input.endDate');
    assertOpenDestinations(await destinationCountries(ctx), input.targetCountryCodes, 'input.targetCountryCodes');
    return ctx.em.create(Program, { ...input, institution } as never, { persist: false });
  },
  update: async (row: Program, input: UpdateProgramInput, ctx: Context) => {
    assertDateOrder(input.startDate !== undefined ? input.startDate : row.startDate, input.endDate !== undefined ? input.endDate : row.endDate, 'input.endDate');
    if (input.targetCountryCodes) assertOpenDestinations(await destinationCountries(ctx), input.targetCountryCodes, 'input.targetCountryCodes');
    assignPresent(row, input);
  },
});

@Resolver(() => Program)
export class ProgramResolver {
  @FieldResolver(() => Institution, { nullable: true })
  institution(@Root() program: Program, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Institution).load(program.institution.id);
  }

  @FieldResolver(() => [DestinationCountry])
  async targetCountries(@Root() program: Program, @Ctx() ctx: Context) {
    const all = await destinationCountries(ctx);
    return program.targetCountryCodes.map((c) => all.get(c)).filter((c) => c !== undefined);
  }

  @FieldResolver(() => EnrollmentConnection, { description: 'Enrollments in this programme in your read scope.' })
  enrollments(@Root() program: Program, @Args(() => RelationArgs) args: RelationArgs, @Ctx() ctx: Context) {
    return relationConnection(ctx, EnrollmentConnection, { entity: Enrollment, parentProperty: 'program', resource: 'Enrollment' }, program.id, args);
  }
}
