import { ArrayMaxSize, IsOptional, Length, Max, Min } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { ProgramStatus, Sector } from '../../shared/enums';
import type { UpdateInputBase } from '../../kernel/owned-crud';
import { IsCountryCodeFormat } from '../../shared/validators';

const MAX_INTAKE = 100_000;

@InputType()
export class CreateProgramInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) externalId?: string | null;
  @Field(() => ID, { description: 'An institution of your own ministry.' }) institutionId!: string;
  @Field(() => String) @Length(3, 200) title!: string;
  @Field(() => Sector) sector!: Sector;
  @Field(() => [String], { defaultValue: [] }) @ArrayMaxSize(30) @IsCountryCodeFormat() targetCountryCodes!: string[];
  @Field(() => Boolean, { defaultValue: false, description: 'Prepares for household work: then no destination under moratorium.' }) forHouseholdWork!: boolean;
  @Field(() => Int) @Min(0) @Max(MAX_INTAKE) capacityPerIntake!: number;
  @Field(() => GraphQLLocalDate, { nullable: true }) startDate?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) endDate?: string | null;
  @Field(() => ProgramStatus, { defaultValue: ProgramStatus.PLANNED }) status!: ProgramStatus;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) competencyStandard?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) certificationScheme?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) languageRequirement?: string | null;
}

@InputType()
export class UpdateProgramInput implements UpdateInputBase {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) externalId?: string | null;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(3, 200) title?: string;
  @Field(() => Sector, { nullable: true }) sector?: Sector;
  @Field(() => [String], { nullable: true }) @IsOptional() @ArrayMaxSize(30) @IsCountryCodeFormat() targetCountryCodes?: string[];
  @Field(() => Boolean, { nullable: true }) forHouseholdWork?: boolean;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) @Max(MAX_INTAKE) capacityPerIntake?: number;
  @Field(() => GraphQLLocalDate, { nullable: true }) startDate?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) endDate?: string | null;
  @Field(() => ProgramStatus, { nullable: true }) status?: ProgramStatus;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) competencyStandard?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) certificationScheme?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) languageRequirement?: string | null;
}

@InputType()
export class ProgramFilter {
  @Field(() => ID, { nullable: true }) ownerMinistryId?: string;
  @Field(() => ID, { nullable: true }) institutionId?: string;
  @Field(() => Sector, { nullable: true }) sector?: Sector;
  @Field(() => ProgramStatus, { nullable: true }) status?: ProgramStatus;
  @Field(() => String, { nullable: true, description: 'Programmes preparing for this destination (ISO code).' }) destinationCountryCode?: string;
  @Field(() => String, { nullable: true, description: 'Case-insensitive text in the title.' }) @IsOptional() @Length(1, 100) search?: string;
}

export enum ProgramOrderField {
  TITLE = 'TITLE',
  START_DATE = 'START_DATE',
  CAPACITY_PER_INTAKE = 'CAPACITY_PER_INTAKE',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(ProgramOrderField, { name: 'ProgramOrderField' });
