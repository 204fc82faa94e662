import { IsEmail, IsOptional, Length } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { Role } from '../../access/roles';

/** The same answer for every e-mail that cannot be used, so creating an account never reveals that an address exists (in any ministry). */
export const REFUSED_EMAIL = 'This e-mail address cannot be used for a new account.';

@InputType()
export class CreateAccountInput {
  @Field(() => String) @IsEmail({}, { message: REFUSED_EMAIL }) email!: string;
  @Field(() => String) @Length(2, 150) displayName!: string;
  @Field(() => String, { description: 'Initial password, 12 to 200 characters.' })
  @Length(12, 200, { message: 'must be 12 to 200 characters' })
  password!: string;
  @Field(() => Role) role!: Role;
  @Field(() => ID, { nullable: true, description: 'Required for VIEWER, EDITOR and ADMIN; a ministry ADMIN may only give its own.' }) ministryId?:
    string | null;
}

@InputType()
export class UpdateAccountInput {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(2, 150) displayName?: string;
  @Field(() => Role, { nullable: true }) role?: Role;
  @Field(() => Boolean, { nullable: true, description: 'false locks the account out at once, tokens included.' }) active?: boolean;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(12, 200, { message: 'must be 12 to 200 characters' }) password?: string;
}
