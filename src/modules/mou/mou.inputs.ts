import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, Matches, ValidateNested } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, ID, InputType, Int } from 'type-graphql';
import { ResourceType } from '../../shared/enums';

/** More resource types than a clause could name: each at most once (the service refuses repeats). */
const MAX_RESOURCE_TYPES = 64;

@InputType()
export class ClauseInput {
  @Field(() => ID, { description: 'The ministry whose data is shared; must be a party.' }) providerMinistryId!: string;
  @Field(() => ID, { description: 'The ministry that may read it; must be another party.' }) recipientMinistryId!: string;
  @Field(() => [ResourceType]) @ArrayMinSize(1) @ArrayMaxSize(MAX_RESOURCE_TYPES) resourceTypes!: ResourceType[];
  @Field(() => Boolean, { defaultValue: false, description: 'Whether personal fields are shown in full (UU 27/2022: needs a purpose).' })
  includesPersonalData!: boolean;
  @Field(() => String, { description: 'Purpose and legal basis.' }) @Length(10, 1000) purpose!: string;
}

const HASH = /^[0-9a-f]{64}$/;

@InputType()
export class CreateMouInput {
  @Field(() => String) @Length(5, 255) title!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) documentNumber?: string | null;
  @Field(() => String) @Length(5, 5000) scope!: string;
  @Field(() => GraphQLLocalDate) validFrom!: string;
  @Field(() => GraphQLLocalDate, { description: 'First day no longer valid; after validFrom.' }) validUntil!: string;
  @Field(() => GraphQLLocalDate, { nullable: true }) followUpDueDate?: string | null;
  @Field(() => String, { nullable: true, description: 'SHA-256 of the document, 64 hex digits.' })
  @IsOptional()
  @Matches(HASH, { message: 'must be 64 lower-case hex digits' })
  documentHash?: string | null;
  @Field(() => [ID], { description: 'The other parties; your ministry is always one.' }) @ArrayMinSize(1) @ArrayMaxSize(20) partyMinistryIds!: string[];
  @Field(() => [ClauseInput], { defaultValue: [] }) @ValidateNested() @ArrayMaxSize(50) clauses!: ClauseInput[];
}

@InputType()
export class UpdateMouDraftInput {
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(5, 255) title?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) documentNumber?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(5, 5000) scope?: string;
  @Field(() => GraphQLLocalDate, { nullable: true }) validFrom?: string;
  @Field(() => GraphQLLocalDate, { nullable: true }) validUntil?: string;
  @Field(() => GraphQLLocalDate, { nullable: true }) followUpDueDate?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(HASH, { message: 'must be 64 lower-case hex digits' }) documentHash?: string | null;
  @Field(() => [ID], { nullable: true, description: 'Replaces the other parties.' })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  partyMinistryIds?: string[];
  @Field(() => [ClauseInput], { nullable: true, description: 'Replaces the clauses.' })
  @IsOptional()
  @ValidateNested()
  @ArrayMaxSize(50)
  clauses?: ClauseInput[];
}

@InputType({
  description: "A proposed amendment of an ACTIVE MoU: it takes effect only when every party's ADMIN has signed it (proposing is the proposer's signature).",
})
export class AmendMouInput {
  @Field(() => ID) id!: string;
  @Field(() => String) @Length(5, 2000) reason!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(5, 255) title?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(5, 5000) scope?: string;
  @Field(() => GraphQLLocalDate, { nullable: true, description: 'A new end of validity (e.g. an extension).' }) validUntil?: string;
  @Field(() => GraphQLLocalDate, { nullable: true }) followUpDueDate?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(HASH, { message: 'must be 64 lower-case hex digits' }) documentHash?: string | null;
  @Field(() => [ClauseInput], { nullable: true, description: 'Replaces the clauses in force once signed; the old ones stay readable as retired.' })
  @IsOptional()
  @ValidateNested()
  @ArrayMaxSize(50)
  clauses?: ClauseInput[];
  @Field(() => String, { nullable: true, description: 'Who signs the proposal for your ministry.' }) @IsOptional() @Length(1, 255) signatoryName?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 255) signatoryTitle?: string;
}

@InputType({ description: 'Withdraw consent at once, as the providing ministry: keep fewer resource types, or switch personal data off.' })
export class NarrowClauseInput {
  @Field(() => ID, { description: 'A clause in force that your ministry provides.' }) clauseId!: string;
  @Field(() => String) @Length(5, 2000) reason!: string;
  @Field(() => [ResourceType], { nullable: true, description: 'The resource types to keep sharing; an empty list drops the clause.' })
  @IsOptional()
  @ArrayMaxSize(MAX_RESOURCE_TYPES)
  keepResourceTypes?: ResourceType[];
  @Field(() => Boolean, { nullable: true, description: 'false: stop sharing personal data under this clause.' }) includesPersonalData?: boolean;
}
