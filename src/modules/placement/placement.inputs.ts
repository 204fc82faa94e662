import { IsOptional, Length, Matches } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import type { UpdateInputBase } from '../../kernel/owned-crud';
import { Sector } from '../../shared/enums';
import { EmployerType, PlacementScheme, PlacementStatus } from './placement.entity';

const COUNTRY = /^[A-Z]{2}$/;
const COUNTRY_MESSAGE = 'must be an ISO 3166-1 alpha-2 code such as JP';

@InputType()
export class CreatePlacementInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) externalId?: string | null;
  @Field(() => ID, { description: 'A trainee you can read (your own, or shared with you under an MoU).' }) traineeId!: string;
  @Field(() => String) @Matches(COUNTRY, { message: COUNTRY_MESSAGE }) destinationCountryCode!: string;
  @Field(() => String) @Length(2, 200) employerName!: string;
  @Field(() => EmployerType) employerType!: EmployerType;
  @Field(() => String) @Length(2, 150) jobTitle!: string;
  @Field(() => Sector) sector!: Sector;
  @Field(() => PlacementScheme) scheme!: PlacementScheme;
  @Field(() => GraphQLLocalDate, { nullable: true }) contractStart?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) contractEnd?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) departureDate?: string | null;
  @Field(() => PlacementStatus, { defaultValue: PlacementStatus.PLANNED }) status!: PlacementStatus;
  @Field(() => ID, { nullable: true, description: 'The business the returnee started after return, if you can read it.' }) returneeBusinessId?: string | null;
}

@InputType()
export class UpdatePlacementInput implements UpdateInputBase {
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) externalId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(COUNTRY, { message: COUNTRY_MESSAGE }) destinationCountryCode?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(2, 200) employerName?: string;
  @Field(() => EmployerType, { nullable: true }) employerType?: EmployerType;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(2, 150) jobTitle?: string;
  @Field(() => Sector, { nullable: true }) sector?: Sector;
  @Field(() => PlacementScheme, { nullable: true }) scheme?: PlacementScheme;
  @Field(() => GraphQLLocalDate, { nullable: true }) contractStart?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) contractEnd?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) departureDate?: string | null;
  @Field(() => PlacementStatus, { nullable: true }) status?: PlacementStatus;
  @Field(() => ID, { nullable: true, description: 'Null unlinks the business.' }) returneeBusinessId?: string | null;
}

@InputType()
export class PlacementFilter {
  @Field(() => ID, { nullable: true }) ownerMinistryId?: string;
  @Field(() => ID, { nullable: true }) traineeId?: string;
  @Field(() => String, { nullable: true }) destinationCountryCode?: string;
  @Field(() => EmployerType, { nullable: true }) employerType?: EmployerType;
  @Field(() => PlacementScheme, { nullable: true }) scheme?: PlacementScheme;
  @Field(() => PlacementStatus, { nullable: true }) status?: PlacementStatus;
}

export enum PlacementOrderField {
  DEPARTURE_DATE = 'DEPARTURE_DATE',
  CONTRACT_START = 'CONTRACT_START',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(PlacementOrderField, { name: 'PlacementOrderField' });
