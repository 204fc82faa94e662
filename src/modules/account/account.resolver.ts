import { Arg, Ctx, Field, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Context } from '../../context';
import { AppError, ErrorCode } from '../../shared/errors';
import { Ministry } from '../ministry/ministry.entity';
import { Account } from './account.entity';

@ObjectType({ simpleResolvers: true })
export class LoginPayload {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <token>".' }) token!: string;
  @Field(() => Account) account!: Account;
}

/**
 * Hash checked when the e-mail is unknown, so a wrong e-mail takes as long as a
 * wrong password and login does not reveal which accounts exist.
 */
const dummyHash = argon2Hash('not-a-real-password');

@Resolver(() => Account)
export class AccountResolver {
  @Mutation(() => LoginPayload, { description: 'Exchange e-mail and password for a signed token.' })
  async login(@Arg('email', () => String) email: string, @Arg('password', () => String) password: string, @Ctx() ctx: Context): Promise<LoginPayload> {
    const account = await ctx.em.findOne(Account, { email: email.trim().toLowerCase() }, { populate: ['passwordHash'] });
    const ok = await argon2Verify(account?.passwordHash ?? (await dummyHash), password.slice(0, 1024));
    if (!account || !ok || !account.active) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Wrong e-mail or password.');
    const viewer = { accountId: account.id, ministryId: account.ministry?.id ?? null, role: account.role };
    const token = await ctx.tokens.sign(viewer);
    // The rest of this response (the account, its ministry) is read as the new identity.
    ctx.viewer = viewer;
    return { token, account };
  }

  @Query(() => Account, { nullable: true, description: 'The caller\'s own account.' })
  viewer(@Ctx() ctx: Context) {
    return ctx.viewer ? ctx.em.findOne(Account, { id: ctx.viewer.accountId }) : null;
  }

  @FieldResolver(() => Ministry, { nullable: true, description: 'Null for auditors and platform admins.' })
  ministry(@Root() account: Account, @Ctx() ctx: Context) {
    return account.ministry ? ctx.loaders.byId(Ministry).load(account.ministry.id) : null;
  }
}

