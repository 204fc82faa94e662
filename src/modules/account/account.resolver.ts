import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../../access/roles';
import { compact, searchFilter } from '../../shared/filters';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { listConnection } from '../../shared/list';
import { connectionOf, PageArgs } from '../../shared/pagination';
import { flushOrExplain } from '../../shared/owned-crud';
import { CreateAccountInput, UpdateAccountInput } from './account.inputs';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Context } from '../../context';
import { AppError, badUserInput, ErrorCode, forbidden, notWritable } from '../../shared/errors';
import { Ministry } from '../ministry/ministry.entity';
import { Account } from './account.entity';

@ObjectType({ simpleResolvers: true })
export class LoginPayload {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <token>".' }) token!: string;
  @Field(() => Account) account!: Account;
}

/**
 * Failed logins per e-mail address (known or not, so refusals reveal nothing):
 * after 10 within 15 minutes the address is refused until the window passes.
 * Kept in the process's memory: with several server processes each counts its own.
 */
const failedLogins = new RateLimiterMemory({ points: 10, duration: 15 * 60 });

/**
 * Hash checked when the e-mail is unknown, so a wrong e-mail takes as long as a
 * wrong password and login does not reveal which accounts exist.
 */
const dummyHash = argon2Hash('not-a-real-password');

const AccountConnection = connectionOf(Account);

@ArgsType()
class AccountArgs extends PageArgs {
  @Field(() => ID, { nullable: true }) ministryId?: string;
  @Field(() => Role, { nullable: true }) role?: Role;
  @Field(() => Boolean, { nullable: true }) active?: boolean;
  @Field(() => String, { nullable: true, description: 'Text in the e-mail address.' }) search?: string;
}

/** The accounts the caller manages, as a `where`: all for a platform admin, its own ministry's for a ministry admin. */
function managedAccounts(ctx: Context): Record<string, unknown> {
  if (ctx.viewer?.role === Role.PLATFORM_ADMIN) return {};
  if (ctx.viewer?.role === Role.ADMIN && ctx.viewer.ministryId) return { ministry: ctx.viewer.ministryId };
  return { id: null };
}

/** The ministry an account with `role` gets, checked against what the caller may grant. */
function assignableMinistry(ctx: Context, role: Role, ministryId: string | null, field = 'input.ministryId'): string | null {
  const staff = role === Role.VIEWER || role === Role.EDITOR || role === Role.ADMIN;
  if (ctx.viewer!.role === Role.ADMIN) {
    if (!staff) throw forbidden('A ministry ADMIN grants only VIEWER, EDITOR or ADMIN.', 'account:ministry-admin');
    if (ministryId && ministryId !== ctx.viewer!.ministryId) throw forbidden('A ministry ADMIN manages only its own ministry\'s accounts.', 'account:ministry-admin');
    return ctx.viewer!.ministryId;
  }
  if (staff && !ministryId) throw badUserInput(`A ${role} belongs to a ministry.`, field);
  if (!staff && ministryId) throw badUserInput(`An ${role} belongs to no ministry.`, field);
  return ministryId;
}

@Resolver(() => Account)
export class AccountResolver {
  @Mutation(() => LoginPayload, { description: 'Exchange e-mail and password for a signed token.' })
  async login(@Arg('email', () => String) email: string, @Arg('password', () => String) password: string, @Ctx() ctx: Context): Promise<LoginPayload> {
    const key = email.trim().toLowerCase();
    const spent = await failedLogins.get(key);
    if (spent && spent.consumedPoints >= 10) {
      throw new AppError(ErrorCode.TOO_MANY_REQUESTS, `Too many failed logins for this address: try again in ${Math.ceil(spent.msBeforeNext / 60_000)} minutes.`);
    }
    const account = await ctx.em.findOne(Account, { email: key }, { populate: ['passwordHash'] });
    const ok = await argon2Verify(account?.passwordHash ?? (await dummyHash), password.slice(0, 1024));
    if (!account || !ok || !account.active) {
      await failedLogins.penalty(key, 1);
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'Wrong e-mail or password.');
    }
    await failedLogins.delete(key);
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

  @Query(() => AccountConnection, { description: 'Accounts you manage: all for a PLATFORM_ADMIN, your ministry\'s for a ministry ADMIN.' })
  accounts(@Args(() => AccountArgs) args: AccountArgs, @Ctx() ctx: Context) {
    const ministry = args.ministryId ? fromGlobalId(args.ministryId, 'Ministry', 'ministryId') : undefined;
    // $and, not a spread: the client's ministry filter must narrow the managed set, never replace it.
    const where = { $and: [managedAccounts(ctx), compact({ ministry, role: args.role, active: args.active, email: searchFilter(args.search) })] };
    return listConnection(ctx, Account, where, { email: 'asc', id: 'asc' }, args);
  }

  @Mutation(() => Account, { description: 'A PLATFORM_ADMIN creates any account; a ministry ADMIN creates VIEWER, EDITOR or ADMIN accounts of its own ministry.' })
  async createAccount(@Arg('input', () => CreateAccountInput) input: CreateAccountInput, @Ctx() ctx: Context) {
    const ministryId = input.ministryId ? fromGlobalId(input.ministryId, 'Ministry', 'input.ministryId') : null;
    const ministry = assignableMinistry(ctx, input.role, ministryId);
    if (ministry && !(await ctx.loaders.byId(Ministry).load(ministry))) throw badUserInput('No such ministry.', 'input.ministryId');
    const account = ctx.em.create(Account, {
      email: input.email.trim().toLowerCase(), displayName: input.displayName, role: input.role,
      passwordHash: await argon2Hash(input.password), ministry: ministry ? ctx.em.getReference(Ministry, ministry) : null,
    });
    await flushOrExplain(ctx);
    return account;
  }

  @Mutation(() => Account, { description: 'Change an account you manage. Deactivation and role changes apply to its very next request.' })
  async updateAccount(@Arg('input', () => UpdateAccountInput) input: UpdateAccountInput, @Ctx() ctx: Context) {
    const id = fromGlobalId(input.id, 'Account', 'input.id');
    const account = await ctx.em.findOne(Account, { id, ...managedAccounts(ctx) });
    if (!account) throw notWritable('input.id');
    if (account.id === ctx.viewer!.accountId && (input.active === false || (input.role && input.role !== account.role))) {
      throw badUserInput('You cannot deactivate your own account or change your own role.', input.active === false ? 'input.active' : 'input.role');
    }
    if (input.role) assignableMinistry(ctx, input.role, account.ministry?.id ?? null, 'input.role');
    if (input.displayName !== undefined) account.displayName = input.displayName;
    if (input.role) account.role = input.role;
    if (input.active !== undefined && input.active !== null) account.active = input.active;
    if (input.password) account.passwordHash = await argon2Hash(input.password);
    await flushOrExplain(ctx);
    return account;
  }

  @FieldResolver(() => ID)
  id(@Root() account: Account) {
    return toGlobalId('Account', account.id);
  }

  @FieldResolver(() => Ministry, { nullable: true, description: 'Null for auditors and platform admins.' })
  ministry(@Root() account: Account, @Ctx() ctx: Context) {
    return account.ministry ? ctx.loaders.byId(Ministry).load(account.ministry.id) : null;
  }
}

