/**
 * Builds the real app (schema, shield, Apollo, scope) on this file's own
 * database cloned from the migrated template, and runs operations through
 * Apollo's `executeOperation` with a context built from a real signed token,
 * exactly as the HTTP layer does.
 */
import 'reflect-metadata';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { hash as argon2Hash } from '@node-rs/argon2';
import type { GraphQLFormattedError } from 'graphql';
import { parse, print } from 'graphql';
import pino from 'pino';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createApp, type App } from '../../src/server/app';
import { Role } from '../../src/access/roles';
import { loadConfig, type Config } from '../../src/config';
import type { Context } from '../../src/context';
import { appUrl, lockDownDatabase } from '../../src/db/app-role';
import { ormOptions } from '../../src/startup/orm.config';
import { tokenWithOwnerRights } from '../../src/db/owner-sessions';
import { queryCounter } from '../../src/db/query-counter';
import { systemEm } from '../../src/seed/demo';
import { Account } from '../../src/modules/account/account.entity';
import { Ministry } from '../../src/data/ministry.entity';
import { cloneDatabase, dropDatabase, withDatabase } from './pg-admin';

export const TEST_PASSWORD = 'test-password-123';

export interface Result<T> {
  data?: T | null;
  errors?: readonly GraphQLFormattedError[];
  /** SQL statements the operation ran. */
  statements: number;
  sql: string[];
}

export interface Client {
  token: string | null;
  account?: Account;
  exec<T, V extends Record<string, unknown>>(doc: TypedDocumentNode<T, V>, variables?: V): Promise<Result<T>>;
  /**
   * A document that cannot be typed ahead: built at run time (one per root operation, one per declared
   * breakdown) or deliberately malformed. Everything else goes through `exec` with a generated document.
   */
  raw(source: string, variables?: Record<string, unknown>): Promise<Result<Record<string, any>>>;
}

export interface TestApp {
  app: App;
  /** The app's ORM: connections run as the unprivileged role, under row-level security. */
  orm: MikroORM;
  /** Owner rights: fixtures and checks. */
  adminOrm: MikroORM;
  /** This file's database, and the configuration the app was built with (for servers started in child processes). */
  databaseUrl: string;
  config: Config;
  /** An EntityManager that sees everything (system scope), for fixtures and for checking what changed. */
  em(): EntityManager;
  ministry(code: string): Promise<Ministry>;
  /** A client with a real account and token; `tweak` runs in each request right after its transaction opens (meta-tests only). */
  as(role: Role, ministryCode?: string | null, tweak?: (ctx: Context) => void | Promise<void>, opts?: { withoutRls?: boolean }): Promise<Client>;
  anonymous(): Client;
  /** An anonymous client calling from this network address (login throttling counts per address). */
  from(address: string): Client;
  /** A client sending exactly this bearer token. */
  withToken(token: string): Client;
  close(): Promise<void>;
}

const passwordHash = argon2Hash(TEST_PASSWORD, { timeCost: 2, memoryCost: 4096 });

export async function startTestApp(): Promise<TestApp> {
  const adminUrl = inject('adminUrl');
  const dbName = `sinergi_test_${randomBytes(5).toString('hex')}`;
  await cloneDatabase(adminUrl, inject('templateDb'), dbName);
  // Database grants are not cloned with the template: applied as every start applies them.
  await lockDownDatabase(withDatabase(adminUrl, dbName));
  const adminOrm = await MikroORM.init(ormOptions(withDatabase(adminUrl, dbName)));
  const orm = await MikroORM.init(ormOptions(appUrl(withDatabase(adminUrl, dbName))));
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'test-secret-' + dbName });
  const app = await createApp({ orm, config, log: pino({ level: process.env.TEST_LOG ?? 'silent' }) });
  const appOnAppRole = app;

  // The same app on the owner's connection, where the owner's policy admits every row: row-level
  // security switched off, for the meta-tests that take the layers away one at a time.
  let ownerApp: Promise<App> | undefined;
  const client = (token: string | null, account?: Account, tweak?: (ctx: Context) => void | Promise<void>, withoutRls = false, address?: string): Client => ({
    token,
    account,
    async exec(doc, variables) {
      const app = withoutRls ? await (ownerApp ??= createApp({ orm: adminOrm, config, log: pino({ level: 'silent' }) })) : appOnAppRole;
      const counter = { count: 0, statements: [] as string[] };
      const response = await queryCounter.run(counter, async () =>
        app.apollo.executeOperation(
          { query: print(doc), variables },
          { contextValue: await app.context(token ? `Bearer ${token}` : null, undefined, address).then((ctx) => Object.assign(ctx, { afterBegin: tweak })) },
        ),
      );
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      const { data, errors } = response.body.singleResult;
      return { data: data as never, errors, statements: counter.count, sql: counter.statements };
    },
    raw(source, variables) {
      return this.exec(parse(source) as TypedDocumentNode<Record<string, any>, Record<string, unknown>>, variables ?? {});
    },
  });

  const ministries = new Map<string, Ministry>();
  const t: TestApp = {
    app,
    orm,
    adminOrm,
    databaseUrl: withDatabase(adminUrl, dbName),
    config,
    em: () => systemEm(adminOrm),
    async ministry(code) {
      if (!ministries.has(code)) ministries.set(code, await systemEm(adminOrm).findOneOrFail(Ministry, { code }));
      return ministries.get(code)!;
    },
    async as(role, ministryCode = null, tweak, opts) {
      const em = systemEm(adminOrm);
      const ministry = ministryCode ? await t.ministry(ministryCode) : null;
      const account = em.create(Account, {
        email: `${role}.${ministryCode ?? 'none'}.${randomBytes(4).toString('hex')}@test.local`.toLowerCase(),
        displayName: `${role} ${ministryCode ?? ''}`,
        passwordHash: await passwordHash,
        role,
        ministry: ministry ? em.getReference(Ministry, ministry.id) : null,
      });
      await em.flush();
      const token = await tokenWithOwnerRights(em, app.tokens, { id: account.id, ministryId: ministry?.id ?? null, role });
      return client(token, account, tweak, opts?.withoutRls);
    },
    anonymous: () => client(null),
    from: (address) => client(null, undefined, undefined, false, address),
    withToken: (token) => client(token),
    async close() {
      await app.stop();
      if (ownerApp) await (await ownerApp).stop();
      await orm.close(true);
      await adminOrm.close(true);
      await dropDatabase(adminUrl, dbName);
    },
  };
  return t;
}

export { Role };
