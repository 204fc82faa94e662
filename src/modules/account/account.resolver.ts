import { requireOwnMinistry, requireViewer } from '../../resource/guards';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, GraphQLISODateTime, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../../access/roles';
import { compact, searchFilter } from '../../shared/filters';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { listConnection } from '../../resource/list';
import { connectionOf, PageArgs } from '../../shared/pagination';
import { flushOrExplain } from '../../resource/owned-crud';
import { CreateAccountInput, REFUSED_EMAIL, UpdateAccountInput } from './account.inputs';
import { hash as argon2Hash } from '@node-rs/argon2';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Context } from '../../context';
import { AppError, badUserInput, ErrorCode, forbidden, notWritable, unauthenticated } from '../../shared/errors';
import { Ministry } from '../../data/ministry.entity';
import { passwordProblem } from './password-policy';
import type { LoginAttempt } from '../../access/login-throttle';
import { Account, AccountKind } from './account.entity';

@ObjectType({ simpleResolvers: true })
export class LoginPayload {
  @Field(() => String, {
    description: 'The access token: send it as "Authorization: Bearer <token>". It expires at `expiresAt` (ACCESS_TOKEN_TTL, an hour).',
  })
  token!: string;
  @Field(() => GraphQLISODateTime, { description: 'When `token` expires: get a new one with `refreshToken` before then.' }) expiresAt!: Date;
  @Field(() => String, {
    description:
      'Exchanged with `refreshToken` for a new access token while the session lasts (JWT_TTL, 8 hours). Keep it out of logs and URLs; `logout` ends it.',
  })
  refreshToken!: string;
  @Field(() => Account, { description: 'The account the session is of, as it is now.' }) account!: Account;
  @Field(() => String, {
    nullable: true,
    description:
      "Given by login only: this client's proof of a successful login to the account (180 days). Send it with the next login: others' failed logins then never hold this client up.",
  })
  deviceToken?: string | null;
}

/** The longest token this server signs is some 500 characters: anything far longer is not one. */
const MAX_TOKEN_LENGTH = 4096;

const AccountConnection = connectionOf(Account);

@ArgsType()
class AccountArgs extends PageArgs {
  @Field(() => ID, { nullable: true }) ministryId?: string;
  @Field(() => Role, { nullable: true }) role?: Role;
  @Field(() => Boolean, { nullable: true }) active?: boolean;
  @Field(() => String, { nullable: true, description: 'Text in the e-mail address.' }) search?: string;
}

/**
 * The accounts the caller manages, as a `where`: all persons for a platform admin, its own ministry's for a
 * ministry admin. Client apps are managed as apps (`apiClients`), never as accounts.
 */
function managedAccounts(ctx: Context): Record<string, unknown> {
  if (ctx.viewer?.role === Role.PLATFORM_ADMIN) return { kind: AccountKind.PERSON };
  if (ctx.viewer?.role === Role.ADMIN && ctx.viewer.ministryId) return { ministry: ctx.viewer.ministryId, kind: AccountKind.PERSON };
  return { id: null };
}

/**
 * What the caller may create (access-model.md, separation of duties): a
 * ministry ADMIN its own ministry's VIEWERs and EDITORs; a PLATFORM_ADMIN
 * ministry ADMINs only, never an account it could read programme data with
 * on its own (an ADMIN it makes for a ministry that has one stays pending).
 */
function creatableMinistry(ctx: Context, role: Role, ministryId: string | null): string {
  if (requireViewer(ctx).role === Role.ADMIN) {
    if (role !== Role.VIEWER && role !== Role.EDITOR)
      throw forbidden(
        'A ministry ADMIN creates VIEWER and EDITOR accounts; ADMINs are created by a PLATFORM_ADMIN and approved by an ADMIN of the ministry.',
        'account:ministry-admin',
        'input.role',
      );
    if (ministryId && ministryId !== requireViewer(ctx).ministryId)
      throw forbidden("A ministry ADMIN manages only its own ministry's accounts.", 'account:ministry-admin', 'input.ministryId');
    return requireOwnMinistry(ctx);
  }
  if (role !== Role.ADMIN)
    throw forbidden(
      "A PLATFORM_ADMIN creates ministry ADMIN accounts only: VIEWERs and EDITORs are made by their ministry's ADMIN.",
      'account:separation-of-duties',
      'input.role',
    );
  if (!ministryId) throw badUserInput('An ADMIN belongs to a ministry.', 'input.ministryId');
  return ministryId;
}

/** Refuses a change the caller may not make to `account` (see the guard trigger on `account` for the database's copy of these rules). */
function assertUpdatable(ctx: Context, account: Account, input: UpdateAccountInput): void {
  if (requireViewer(ctx).role === Role.PLATFORM_ADMIN) {
    if (account.role !== Role.ADMIN) throw forbidden('A PLATFORM_ADMIN manages ministry ADMIN accounts only.', 'account:separation-of-duties', 'input.id');
    if (input.password) throw forbidden("A PLATFORM_ADMIN never sets a ministry account's password.", 'account:separation-of-duties', 'input.password');
    if (input.role && input.role !== account.role) throw forbidden('A PLATFORM_ADMIN does not change roles.', 'account:separation-of-duties', 'input.role');
    return;
  }
  if (account.role === Role.ADMIN)
    throw forbidden('ADMIN accounts are managed by a PLATFORM_ADMIN; approve a pending one with approveAccount.', 'account:ministry-admin', 'input.id');
  if (input.role && input.role !== Role.VIEWER && input.role !== Role.EDITOR)
    throw forbidden('A ministry ADMIN grants VIEWER or EDITOR only.', 'account:ministry-admin', 'input.role');
}

/** The payload of a login or refresh: a fresh access token for the session, its expiry, the refresh token, the account. */
async function issue(
  ctx: Context,
  session: { sessionId: string; secret: string; accountId: string; role: Role; ministryId: string | null },
  refreshToken: string,
): Promise<LoginPayload> {
  const token = await ctx.services.tokens.sign(session);
  const account = await ctx.em.findOneOrFail(Account, { id: session.accountId });
  return { token, expiresAt: new Date(Date.now() + ctx.services.tokens.accessTtlSeconds * 1000), refreshToken, account };
}

/** The password policy (password-policy.ts), as BAD_USER_INPUT on `input.password`. */
function assertPassword(password: string, about: (string | null | undefined)[]): void {
  const problem = passwordProblem(password, about);
  if (problem) throw badUserInput(`input.password ${problem}.`, 'input.password');
}

@Resolver(() => Account)
export class AccountResolver {
  @Mutation(() => LoginPayload, { nullable: true, description: 'Exchange e-mail and password for a signed token.' })
  async login(
    @Arg('email', () => String) email: string,
    @Arg('password', () => String) password: string,
    @Arg('deviceToken', () => String, {
      nullable: true,
      description:
        'The `deviceToken` an earlier login from this client answered: failed logins of others (behind the same network address, or anywhere) then never hold this client up, only its own.',
    })
    deviceToken: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<LoginPayload> {
    // No e-mail address is longer (RFC 5321); refused before any lookup or counting.
    if (email.length > 254) throw badUserInput('Not an e-mail address: at most 254 characters.', 'email');
    if (deviceToken && deviceToken.length > MAX_TOKEN_LENGTH) throw badUserInput(`Not a device token: at most ${MAX_TOKEN_LENGTH} characters.`, 'deviceToken');
    const key = email.trim().toLowerCase();
    const attempt: LoginAttempt = {
      email: key,
      address: ctx.clientAddress,
      device: deviceToken ? await ctx.services.tokens.checkDevice(deviceToken.trim(), key) : null,
    };
    // Refused while a delay runs, before the password is even hashed: a flood of guesses costs its sender, not the server.
    await ctx.services.loginThrottle.check(attempt);
    // The database never hands out a password hash: it gives the argon2id parameters and salt (a
    // stable made-up salt for unknown addresses), we hash the attempt with them, and it compares.
    const [{ params }] = await ctx.em.execute<{ params: string }[]>('select sinergi_login_params(?) as params', [key]);
    const [, m, t, p, salt] = /^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)$/.exec(params) ?? [];
    const proof = await argon2Hash(password.slice(0, 1024), {
      memoryCost: Number(m),
      timeCost: Number(t),
      parallelism: Number(p),
      salt: Buffer.from(salt ?? '', 'base64'),
    });
    const [{ session }] = await ctx.em.execute<
      { session: { sessionId: string; secret: string; accountId: string; role: Role; ministryId: string | null } | null }[]
    >('select sinergi_login(?, ?, ?) as session', [key, proof, ctx.services.tokens.ttlSeconds]);
    if (!session) {
      // Under a storm of failures the answer goes out late; the wait holds no turn and no connection (app.ts).
      ctx.lane.answerDelayMs = await ctx.services.loginThrottle.failed(attempt);
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'Wrong e-mail or password.');
    }
    await ctx.services.loginThrottle.succeeded(attempt);
    // The rest of this response (the account, its ministry) is read as the new identity.
    await ctx.identify(session);
    const payload = await issue(ctx, session, await ctx.services.tokens.signRefresh(session));
    return { ...payload, deviceToken: await ctx.services.tokens.signDevice(key) };
  }

  @Mutation(() => LoginPayload, {
    nullable: true,
    description:
      "A new access token for the session of a refresh token, while the session lasts: no password needed, and the caller's own access token may have expired. The role and ministry in it are the account's as they are now.",
  })
  async refreshToken(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: Context): Promise<LoginPayload> {
    if (refreshToken.length > MAX_TOKEN_LENGTH) throw badUserInput(`Not a refresh token: at most ${MAX_TOKEN_LENGTH} characters.`, 'refreshToken');
    const checked = await ctx.services.tokens.checkRefresh(refreshToken.trim());
    // A refresh token lives as long as its session: expired, the session has ended too.
    if (typeof checked === 'string') throw unauthenticated(checked === 'expired' ? 'SESSION_ENDED' : 'INVALID_TOKEN');
    await ctx.identify(checked.claims);
    const viewer = ctx.viewer;
    if (!viewer) throw unauthenticated('SESSION_ENDED');
    // Rotation (OAuth 2.0 Security BCP, RFC 9700 §4.14): each refresh token is good once. The session's refresh
    // generation moves on with this request's transaction; a token of an earlier generation is a replay — of a
    // stolen token, or by a thief after the holder refreshed — and ends the session for both, at once and for
    // good (on a connection of its own: this request's transaction is rolled back with its error).
    const { sessionId, secret } = checked.claims;
    const [{ generation }] = await ctx.em.execute<{ generation: number | null }[]>('select sinergi_rotate_refresh(?, ?, ?) as generation', [
      sessionId,
      secret,
      checked.generation,
    ]);
    if (generation === null) {
      await ctx.independently('select sinergi_logout(?, ?)', [sessionId, secret]);
      ctx.services.sessionEnded(sessionId);
      throw unauthenticated('SESSION_ENDED');
    }
    const claims = { ...checked.claims, role: viewer.role, ministryId: viewer.ministryId };
    return issue(ctx, claims, await ctx.services.tokens.signRefresh(claims, checked.secondsLeft, generation));
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description:
      "Ends a session at once: its access and refresh tokens are refused from then on. The session of the caller's own token, or, given `refreshToken`, that token's session (so a client whose access token has expired can still log out). True when a session ended, false when it had already.",
  })
  async logout(@Arg('refreshToken', () => String, { nullable: true }) refreshToken: string | undefined, @Ctx() ctx: Context): Promise<boolean> {
    let session: { sessionId: string; secret: string; accountId: string };
    if (refreshToken !== undefined && refreshToken !== null) {
      if (refreshToken.length > MAX_TOKEN_LENGTH) throw badUserInput(`Not a refresh token: at most ${MAX_TOKEN_LENGTH} characters.`, 'refreshToken');
      const checked = await ctx.services.tokens.checkRefresh(refreshToken.trim());
      if (typeof checked === 'string') throw unauthenticated(checked === 'expired' ? 'SESSION_ENDED' : 'INVALID_TOKEN');
      session = checked.claims;
      // Without a token of its own, the caller is the session's holder: the audit event names that account.
      if (!ctx.viewer) await ctx.identify(checked.claims);
    } else {
      const viewer = requireViewer(ctx);
      const current = ctx.currentSession();
      if (!current) throw unauthenticated(ctx.authProblem());
      session = { ...current, accountId: viewer.accountId };
    }
    const [{ ended }] = await ctx.em.execute<{ ended: boolean }[]>('select sinergi_logout(?, ?) as ended', [session.sessionId, session.secret]);
    ctx.services.sessionEnded(session.sessionId);
    // The audit event says whose session it was, and whether it was still open.
    ctx.mutation.note = { sessionOf: session.accountId, sessionEnded: ended };
    return ended;
  }

  @Query(() => Account, { nullable: true, description: "The caller's own account." })
  viewer(@Ctx() ctx: Context) {
    return ctx.viewer ? ctx.em.findOne(Account, { id: ctx.viewer.accountId }) : null;
  }

  @Query(() => AccountConnection, { nullable: true, description: "Accounts you manage: all for a PLATFORM_ADMIN, your ministry's for a ministry ADMIN." })
  accounts(@Args(() => AccountArgs) args: AccountArgs, @Ctx() ctx: Context) {
    const ministry = args.ministryId ? fromGlobalId(args.ministryId, 'Ministry', 'ministryId') : undefined;
    // $and, not a spread: the client's ministry filter must narrow the managed set, never replace it.
    const where = { $and: [managedAccounts(ctx), compact({ ministry, role: args.role, active: args.active, email: searchFilter(args.search) })] };
    return listConnection(ctx, Account, where, { email: 'asc', id: 'asc' }, args);
  }

  @Mutation(() => Account, {
    nullable: true,
    description:
      "A ministry ADMIN creates VIEWER and EDITOR accounts of its own ministry; a PLATFORM_ADMIN creates ministry ADMINs only, PENDING_APPROVAL until an ADMIN of that ministry approves them (unless it is the ministry's first ADMIN).",
  })
  async createAccount(@Arg('input', () => CreateAccountInput) input: CreateAccountInput, @Ctx() ctx: Context) {
    const requested = input.ministryId ? fromGlobalId(input.ministryId, 'Ministry', 'input.ministryId') : null;
    const ministry = creatableMinistry(ctx, input.role, requested);
    if (!(await ctx.loaders.byId(Ministry).load(ministry))) throw badUserInput('No such ministry.', 'input.ministryId');
    let pending = false;
    if (requireViewer(ctx).role === Role.PLATFORM_ADMIN) {
      const [{ has }] = await ctx.em.execute<{ has: boolean }[]>('select sinergi_ministry_has_admin(?) as has', [ministry]);
      pending = has;
      // Bootstrapping a ministry's first ADMIN is the one case where the creator could act alone: say so in the trail.
      if (!pending) ctx.mutation.note = { bootstrapFirstAdmin: true, ministryId: ministry };
    }
    assertPassword(input.password, [input.email, input.displayName]);
    const account = ctx.em.create(Account, {
      email: input.email.trim().toLowerCase(),
      displayName: input.displayName,
      role: input.role,
      pending,
      passwordHash: await argon2Hash(input.password),
      ministry: ctx.em.getReference(Ministry, ministry),
    });
    try {
      await ctx.em.flush();
    } catch (e) {
      ctx.em.clear();
      // Worded and shaped exactly as the validator's refusal of a malformed address.
      if (e instanceof UniqueConstraintViolationException)
        throw badUserInput(`input.email: ${REFUSED_EMAIL}`, 'input.email', { fields: [{ field: 'input.email', message: REFUSED_EMAIL }] });
      throw e;
    }
    return account;
  }

  @Mutation(() => Account, { nullable: true, description: 'Change an account you manage. Deactivation and role changes apply to its very next request.' })
  async updateAccount(@Arg('input', () => UpdateAccountInput) input: UpdateAccountInput, @Ctx() ctx: Context) {
    const id = fromGlobalId(input.id, 'Account', 'input.id');
    const account = await ctx.em.findOne(Account, { id, ...managedAccounts(ctx) });
    if (!account) throw notWritable('input.id');
    if (account.id === requireViewer(ctx).accountId && (input.active === false || (input.role && input.role !== account.role))) {
      throw badUserInput('You cannot deactivate your own account or change your own role.', input.active === false ? 'input.active' : 'input.role');
    }
    assertUpdatable(ctx, account, input);
    if (input.displayName !== undefined) account.displayName = input.displayName;
    if (input.role) account.role = input.role;
    if (input.active !== undefined && input.active !== null) account.active = input.active;
    if (input.password) {
      assertPassword(input.password, [account.email, input.displayName ?? account.displayName]);
      account.passwordHash = await argon2Hash(input.password);
    }
    await flushOrExplain(ctx);
    return account;
  }

  @Mutation(() => Account, {
    nullable: true,
    description: 'Approve an ADMIN of your ministry that a PLATFORM_ADMIN created (ADMIN): until then it can log in and read only its own account.',
  })
  async approveAccount(@Arg('id', () => ID) globalId: string, @Ctx() ctx: Context) {
    const id = fromGlobalId(globalId, 'Account', 'id');
    const account = await ctx.em.findOne(Account, { id, ministry: requireViewer(ctx).ministryId, pending: true });
    if (!account) throw notWritable('id');
    Object.assign(account, { pending: false, approvedAt: new Date(), approvedByAccountId: requireViewer(ctx).accountId });
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
