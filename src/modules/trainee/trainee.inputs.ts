import { IsEmail, IsOptional, Length, Matches } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { EducationLevel, Sex, TraineeStatus } from '../../shared/enums';
import type { UpdateInputBase } from '../../kernel/owned-crud';
import { IsProvinceCode } from '../../shared/validators';
import { IsAdultBirthDate, IsNik } from './trainee.rules';

const PHONE = /^\+?[0-9][0-9 -]{6,18}$/;

@InputType()
export class CreateTraineeInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) externalId?: string | null;
  @Field(() => String, { description: '16-digit NIK; must agree with birthDate and sex.' }) @IsNik() nik!: string;
  @Field(() => String) @Length(2, 150) fullName!: string;
  @Field(() => Sex) sex!: Sex;
  @Field(() => GraphQLLocalDate, { description: 'At least 18 years ago.' }) @IsAdultBirthDate() birthDate!: string;
  @Field(() => String) @IsProvinceCode() originProvinceCode!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 120) originRegency?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(PHONE, { message: 'not a phone number' }) phone?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsEmail({}, { message: 'not an e-mail address' }) email?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 500) address?: string | null;
  @Field(() => EducationLevel, { nullable: true }) educationLevel?: EducationLevel | null;
  @Field(() => TraineeStatus, { defaultValue: TraineeStatus.REGISTERED }) status!: TraineeStatus;
}

@InputType()
export class UpdateTraineeInput implements UpdateInputBase {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) externalId?: string | null;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsNik() nik?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(2, 150) fullName?: string;
  @Field(() => Sex, { nullable: true }) sex?: Sex;
  @Field(() => GraphQLLocalDate, { nullable: true }) @IsOptional() @IsAdultBirthDate() birthDate?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsProvinceCode() originProvinceCode?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 120) originRegency?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(PHONE, { message: 'not a phone number' }) phone?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsEmail({}, { message: 'not an e-mail address' }) email?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 500) address?: string | null;
  @Field(() => EducationLevel, { nullable: true }) educationLevel?: EducationLevel | null;
  @Field(() => TraineeStatus, { nullable: true }) status?: TraineeStatus;
}

@InputType()
export class TraineeFilter {
  @Field(() => ID, { nullable: true }) ownerMinistryId?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsProvinceCode() originProvinceCode?: string;
  @Field(() => Sex, { nullable: true }) sex?: Sex;
  @Field(() => TraineeStatus, { nullable: true }) status?: TraineeStatus;
  @Field(() => String, { nullable: true, description: 'Case-insensitive text in the full name.' }) @IsOptional() @Length(1, 100) search?: string;
  @Field(() => String, {
    nullable: true,
    description: 'Exact NIK. Personal data: refused unless you may read the NIKs of every ministry the filter spans (narrow it with ownerMinistryId).',
  })
  @IsOptional()
  @IsNik()
  nik?: string;
}

export enum TraineeOrderField {
  FULL_NAME = 'FULL_NAME',
  CREATED_AT = 'CREATED_AT',
  /** Personal data: refused like the NIK filter. */
  BIRTH_DATE = 'BIRTH_DATE',
}
registerEnumType(TraineeOrderField, { name: 'TraineeOrderField' });
