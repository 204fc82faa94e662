import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import { assignPresent, ownedCrudResolver } from '../../kernel/owned-crud';
import { connectionOf } from '../../shared/pagination';
import { relationConnection, RelationArgs } from '../../kernel/relation-connection';
import { Program } from '../program/program.entity';
import { Institution } from './institution.entity';
import { CreateInstitutionInput, InstitutionFilter, InstitutionOrderField, UpdateInstitutionInput } from './institution.inputs';

// Created at load time: type-graphql must see every type before the schema is built.
const ProgramConnection = connectionOf(Program);

export const InstitutionCrudResolver = ownedCrudResolver({
  entity: Institution,
  resource: 'Institution',
  csvColumns: ['id', 'externalId', 'ownerMinistry', 'name', 'type', 'provinceCode', 'regency', 'address', 'annualCapacity', 'sectors', 'linkAndMatch', 'pmiPreparation', 'accreditation'],
  listName: 'institutions',
  createInput: CreateInstitutionInput,
  updateInput: UpdateInstitutionInput,
  filterInput: InstitutionFilter,
  orderField: InstitutionOrderField,
  orderProperty: { NAME: 'name', ANNUAL_CAPACITY: 'annualCapacity', PROVINCE_CODE: 'provinceCode', CREATED_AT: 'createdAt' },
  where: (f: InstitutionFilter) =>
    compact({
      ownerMinistry: ministryFilter(f.ownerMinistryId),
      provinceCode: f.provinceCode,
      type: f.type,
      sectors: f.sector ? { $contains: [f.sector] } : undefined,
      pmiPreparation: f.pmiPreparation,
      linkAndMatch: f.linkAndMatch,
      name: searchFilter(f.search),
    }),
  create: async (input: CreateInstitutionInput, ctx: Context) => ctx.em.create(Institution, { ...input } as never, { persist: false }),
  update: async (row: Institution, input: UpdateInstitutionInput) => assignPresent(row, input),
});

@Resolver(() => Institution)
export class InstitutionResolver {
  @FieldResolver(() => ProgramConnection, { description: 'Programmes of this institution in your read scope, oldest first.' })
  programs(@Root() institution: Institution, @Args(() => RelationArgs) args: RelationArgs, @Ctx() ctx: Context) {
    return relationConnection(ctx, ProgramConnection, { entity: Program, parentProperty: 'institution', resource: 'Program' }, institution.id, args);
  }
}
