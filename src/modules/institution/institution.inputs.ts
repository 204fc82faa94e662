import { ArrayMaxSize, IsOptional, Length, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { Accreditation, InstitutionType, Sector } from '../../shared/enums';
import type { UpdateInputBase } from '../../kernel/owned-crud';
import { IsProvinceCode } from '../../shared/validators';

const MAX_CAPACITY = 10_000_000;

@InputType()
export class CreateInstitutionInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) externalId?: string | null;
  @Field(() => String) @Length(3, 200) name!: string;
  @Field(() => InstitutionType) type!: InstitutionType;
  @Field(() => String) @IsProvinceCode() provinceCode!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 120) regency?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 500) address?: string | null;
  @Field(() => Int) @Min(0) @Max(MAX_CAPACITY) annualCapacity!: number;
  @Field(() => [Sector], { defaultValue: [] }) @ArrayMaxSize(13) sectors!: Sector[];
  @Field(() => Boolean, { defaultValue: false }) linkAndMatch!: boolean;
  @Field(() => Boolean, { defaultValue: false }) pmiPreparation!: boolean;
  @Field(() => Accreditation, { nullable: true }) accreditation?: Accreditation | null;
}

@InputType()
export class UpdateInstitutionInput implements UpdateInputBase {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 100) externalId?: string | null;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(3, 200) name?: string;
  @Field(() => InstitutionType, { nullable: true }) type?: InstitutionType;
  @Field(() => String, { nullable: true }) @IsOptional() @IsProvinceCode() provinceCode?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 120) regency?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 500) address?: string | null;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) @Max(MAX_CAPACITY) annualCapacity?: number;
  @Field(() => [Sector], { nullable: true }) @IsOptional() @ArrayMaxSize(13) sectors?: Sector[];
  @Field(() => Boolean, { nullable: true }) linkAndMatch?: boolean;
  @Field(() => Boolean, { nullable: true }) pmiPreparation?: boolean;
  @Field(() => Accreditation, { nullable: true }) accreditation?: Accreditation | null;
}

@InputType()
export class InstitutionFilter {
  @Field(() => ID, { nullable: true, description: 'Only rows owned by this ministry (within your scope).' }) ownerMinistryId?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsProvinceCode() provinceCode?: string;
  @Field(() => InstitutionType, { nullable: true }) type?: InstitutionType;
  @Field(() => Sector, { nullable: true, description: 'Institutions offering this sector.' }) sector?: Sector;
  @Field(() => Boolean, { nullable: true }) pmiPreparation?: boolean;
  @Field(() => Boolean, { nullable: true }) linkAndMatch?: boolean;
  @Field(() => String, { nullable: true, description: 'Case-insensitive text in the name.' }) @IsOptional() @Length(1, 100) search?: string;
}

export enum InstitutionOrderField {
  NAME = 'NAME',
  ANNUAL_CAPACITY = 'ANNUAL_CAPACITY',
  PROVINCE_CODE = 'PROVINCE_CODE',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(InstitutionOrderField, { name: 'InstitutionOrderField' });
