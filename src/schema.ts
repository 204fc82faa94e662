import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import path from 'node:path';
import { buildSchema } from 'type-graphql';
import { permissions } from './access/shield';
import { AccountResolver } from './modules/account/account.resolver';
import { CountryResolver } from './modules/country/country.resolver';
import { EnrollmentCrudResolver, EnrollmentResolver } from './modules/enrollment/enrollment.resolver';
import { InstitutionCrudResolver, InstitutionResolver } from './modules/institution/institution.resolver';
import { MinistryResolver } from './modules/ministry/ministry.resolver';
import { DataSharingClauseResolver, MouPartyResolver, MouResolver } from './modules/mou/mou.resolver';
import { NodeResolver } from './modules/node/node.resolver';
import { ProgramCrudResolver, ProgramResolver } from './modules/program/program.resolver';
import { ReturneeBusinessCrudResolver, ReturneeBusinessResolver } from './modules/returnee-business/returnee-business.resolver';
import { TraineeCrudResolver, TraineeResolver } from './modules/trainee/trainee.resolver';

export const SCHEMA_FILE = path.resolve(__dirname, '..', 'schema', 'schema.graphql');

const resolvers = [
  NodeResolver, AccountResolver, MinistryResolver, CountryResolver,
  InstitutionCrudResolver, InstitutionResolver, ProgramCrudResolver, ProgramResolver,
  TraineeCrudResolver, TraineeResolver, EnrollmentCrudResolver, EnrollmentResolver,
  ReturneeBusinessCrudResolver, ReturneeBusinessResolver, MouResolver, MouPartyResolver, DataSharingClauseResolver,
] as const;

/** The schema without authorization: what the SDL file records. */
export function buildBareSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
  });
}

/** The served schema: shield rules wrapped around every field. */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  return applyMiddleware(await buildBareSchema(), permissions);
}
