import { IsOptional, Length, Matches, Max, Min } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { FinancingType } from '../../shared/enums';
import type { UpdateInputBase } from '../../kernel/owned-crud';
import { IsProvinceCode } from '../../shared/validators';
import { IsNik } from '../trainee/trainee.rules';

const PHONE = /^\+?[0-9][0-9 -]{6,18}$/;

@InputType()
export class CreateReturneeBusinessInput {
  @Field(() => String) @Length(2, 150) returneeName!: string;
  @Field(() => String) @IsNik() returneeNik!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(PHONE, { message: 'not a phone number' }) returneePhone?: string | null;
  @Field(() => ID, { nullable: true, description: "The returnee's trainee record, if you can read it." }) traineeId?: string | null;
  @Field(() => String) @Length(2, 200) businessName!: string;
  @Field(() => String) @Matches(/^\d{5}$/, { message: 'must be a 5-digit KBLI code' }) kbliCode!: string;
  @Field(() => String) @Matches(/^\d{10}$/, { message: 'must be a 10-digit village code' }) villageCode!: string;
  @Field(() => String) @IsProvinceCode() provinceCode!: string;
  @Field(() => GraphQLLocalDate, { nullable: true }) foundedOn?: string | null;
  @Field(() => Int, { defaultValue: 0 }) @Min(0) @Max(100_000) employees!: number;
  @Field(() => FinancingType, { nullable: true }) financingType?: FinancingType | null;
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(0) @Max(1e13) financingAmount?: number | null;
  @Field(() => Int, { defaultValue: 0 }) @Min(0) @Max(10_000) mentoringSessions!: number;
}

@InputType()
export class UpdateReturneeBusinessInput implements UpdateInputBase {
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(2, 150) returneeName?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsNik() returneeNik?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(PHONE, { message: 'not a phone number' }) returneePhone?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(2, 200) businessName?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(/^\d{5}$/, { message: 'must be a 5-digit KBLI code' }) kbliCode?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(/^\d{10}$/, { message: 'must be a 10-digit village code' }) villageCode?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsProvinceCode() provinceCode?: string;
  @Field(() => GraphQLLocalDate, { nullable: true }) foundedOn?: string | null;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) @Max(100_000) employees?: number;
  @Field(() => FinancingType, { nullable: true }) financingType?: FinancingType | null;
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(0) @Max(1e13) financingAmount?: number | null;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) @Max(10_000) mentoringSessions?: number;
}

@InputType()
export class ReturneeBusinessFilter {
  @Field(() => ID, { nullable: true }) ownerMinistryId?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsProvinceCode() provinceCode?: string;
  @Field(() => String, { nullable: true, description: 'KBLI code or its prefix (e.g. 56 for food and beverage service).' })
  @IsOptional()
  @Matches(/^\d{1,5}$/)
  kbliPrefix?: string;
  @Field(() => FinancingType, { nullable: true }) financingType?: FinancingType;
  @Field(() => String, { nullable: true, description: 'Case-insensitive text in the business name.' }) @IsOptional() @Length(1, 100) search?: string;
  @Field(() => String, {
    nullable: true,
    description: 'Exact NIK of the returnee. Personal data: refused unless you may read the NIKs of every ministry the filter spans.',
  })
  @IsOptional()
  @IsNik()
  returneeNik?: string;
}

export enum ReturneeBusinessOrderField {
  BUSINESS_NAME = 'BUSINESS_NAME',
  FOUNDED_ON = 'FOUNDED_ON',
  EMPLOYEES = 'EMPLOYEES',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(ReturneeBusinessOrderField, { name: 'ReturneeBusinessOrderField' });
