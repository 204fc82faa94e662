import { IsOptional, Length, Matches } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

const CODE = /^[A-Z0-9]{2,32}$/;

@InputType()
export class CreateMinistryInput {
  @Field(() => String, { description: 'Short code in capitals, e.g. KEMENDAG.' })
  @Matches(CODE, { message: 'must be 2 to 32 capital letters or digits' })
  code!: string;
  @Field(() => String) @Length(5, 200) name!: string;
  @Field(() => String) @Length(5, 200) nameEn!: string;
}

@InputType()
export class UpdateMinistryInput {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(CODE, { message: 'must be 2 to 32 capital letters or digits' }) code?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(5, 200) name?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(5, 200) nameEn?: string;
}
