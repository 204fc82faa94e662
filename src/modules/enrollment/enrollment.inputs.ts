import { IsOptional, Length } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { EnrollmentStatus } from '../../shared/enums';
import type { UpdateInputBase } from '../../kernel/owned-crud';

@InputType()
export class CreateEnrollmentInput {
  @Field(() => ID, { description: 'A trainee you can read (your own, or shared with you).' }) traineeId!: string;
  @Field(() => ID, { description: 'A programme of your own ministry.' }) programId!: string;
  @Field(() => EnrollmentStatus, { defaultValue: EnrollmentStatus.APPLIED }) status!: EnrollmentStatus;
  @Field(() => GraphQLLocalDate, { nullable: true }) enrolledOn?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) completedOn?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) certificateIssuer?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) certificateScheme?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) certificateNumber?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) certificateIssuedOn?: string | null;
}

@InputType()
export class UpdateEnrollmentInput implements UpdateInputBase {
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
  @Field(() => EnrollmentStatus, { nullable: true }) status?: EnrollmentStatus;
  @Field(() => GraphQLLocalDate, { nullable: true }) enrolledOn?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) completedOn?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) certificateIssuer?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) certificateScheme?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) certificateNumber?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) certificateIssuedOn?: string | null;
}

@InputType()
export class EnrollmentFilter {
  @Field(() => ID, { nullable: true }) ownerMinistryId?: string;
  @Field(() => ID, { nullable: true }) programId?: string;
  @Field(() => ID, { nullable: true }) traineeId?: string;
  @Field(() => EnrollmentStatus, { nullable: true }) status?: EnrollmentStatus;
}

export enum EnrollmentOrderField {
  ENROLLED_ON = 'ENROLLED_ON',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(EnrollmentOrderField, { name: 'EnrollmentOrderField' });
