import 'reflect-metadata';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import path from 'node:path';
import { entities } from './entities';
import { QueryCountingLogger } from '../db/query-counter';
import { SinergiDriver } from '../db/driver';
import { AuditCollector } from '../modules/audit/audit.collector';

// Beside this file's tree wherever it runs: `migrations/*.ts` under tsx and vitest, `dist/migrations/*.js`
// once compiled (`npm start`, `npm run start:prod`), as tsc keeps the layout of src/ and migrations/.
const migrationsDir = path.resolve(__dirname, '..', '..', 'migrations');

/**
 * Tables the migrations create that no entity maps: the schema generator
 * leaves them alone, so `npm run migration:create` never proposes dropping
 * them (it used to: every session and the scope keys with them). The drift
 * test runs as the owner, who sees every table, and fails on a table that is
 * neither mapped nor named here.
 */
export const UNMAPPED_TABLES: Readonly<Record<string, string>> = {
  account_session: 'login sessions, reached only through the definer functions (sinergi_login, sinergi_begin_request, …)',
  owned_row_count: "rows per table and ministry, kept by triggers, read by sinergi_row_count for lists' totalCount",
  sinergi_secret: "the scope seal's and the audit link's keys, readable by the owner alone",
  audit_log_pending: "personal-data reads not yet in the audit log's tree, queued by a trigger",
  audit_log_state: 'the last audit event the integrator took into the tree',
  audit_log_leaf: "the audit log's leaves, written by sinergi_audit_log_integrate alone",
  audit_log_hash: "the hashes of the audit log's complete tiles",
  audit_log_checkpoint: "the audit log's signed checkpoints",
  audit_log_witness: "the witness keys registered to cosign the audit log's checkpoints",
  audit_log_cosignature: "witnesses' cosignatures of the audit log's checkpoints",
  idempotency_key: "each account's Idempotency-Keys of the last day with their committed answers, reached through sinergi_idempotency_begin and _end",
  api_client_document: "client apps' trusted documents, written by sinergi_api_client_set_documents alone",
  api_client_secret: "the hashes of client apps' secrets, reached only through sinergi_api_client_session and its siblings",
};

/**
 * ORM options for a connection URL: the owner's (migrations, seeding, test
 * fixtures) or the app role's (`appUrl`, every request).
 */
export function ormOptions(clientUrl?: string): Options {
  return defineConfig({
    clientUrl,
    // PostgreSQL's driver, writing a one-row UPDATE itself (see driver.ts).
    driver: SinergiDriver,
    entities,
    extensions: [Migrator],
    forceUtcTimezone: true,
    // Entities decorate every type explicitly (stack.md trap 2): no reflection needed.
    discovery: { requireEntitiesArray: true },
    // Relations are loaded by our own batched loaders; never implicitly.
    loadStrategy: 'select-in',
    // Relation fields load through the scoped `byId` loaders; no filter joins on every list query.
    autoJoinRefsForFilters: false,
    // Needed so migrations load under vitest and tsx (stack.md trap 3).
    dynamicImportProvider: (id: string) => import(id),
    migrations: {
      path: migrationsDir,
      pathTs: migrationsDir,
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
    schemaGenerator: { skipTables: Object.keys(UNMAPPED_TABLES) },
    pool: { min: 0, max: 20 },
    subscribers: [new AuditCollector()],
    debug: ['query'],
    loggerFactory: (options) => new QueryCountingLogger(options),
  });
}

// Used by the MikroORM CLI (`npm run migration:create`).
export default ormOptions(process.env.DATABASE_URL);
