/**
 * Environment, parsed once at start-up. Everything else reads `config`, never
 * `process.env`, so that the full list of knobs lives in one place (and in the
 * configuration table of docs/operations.md).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const DEFAULT_JWT_SECRET = 'sinergi-development-secret-do-not-use-in-production';
export const DEFAULT_AUDIT_KEY = 'sinergi-development-audit-key-do-not-use-in-production';

/** The operator's bounds of client apps' quotas (APP_QUOTA_*), and their defaults. */
export const DEFAULT_APP_QUOTAS: AppQuotaBounds = {
  windowSeconds: 60,
  defaultRequests: 1_200,
  defaultCost: 2_000_000,
  maxRequests: 12_000,
  maxCost: 20_000_000,
};

/** The operator's bounds of client apps' quotas (APP_QUOTA_*). */
export interface AppQuotaBounds {
  windowSeconds: number;
  defaultRequests: number;
  defaultCost: number;
  maxRequests: number;
  maxCost: number;
}

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  /** Empty: start the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  /** The app role's own connection; empty: derived from the owner's (see db/app-role.ts). */
  databaseAppUrl: string | undefined;
  dataDir: string;
  /** Streaming replicas that answer queries writing nothing (see db/replicas.ts); comma-separated URLs. */
  databaseReplicaUrls: string | undefined;
  /** How long a session that wrote reads from the primary only, so that it reads its own writes (ms). */
  replicaPinMs: number;
  jwtSecret: string;
  /** Lifetime of a session and its refresh token. */
  jwtTtl: string;
  /** Lifetime of an access token. */
  accessTokenTtl: string;
  /** Signs audit events and checkpoints (HMAC-SHA256); keep it outside the database. */
  auditKey: string;
  /**
   * The audit log's Ed25519 signing key, as `npm run audit-log-key` prints it (`PRIVATE+KEY+…`); required in
   * production. Without one elsewhere, a key is made once and kept in `dataDir` (tests: one per process).
   */
  auditLogKey: string | undefined;
  /**
   * The verifier keys of the log's earlier signing keys, after a rotation (AUDIT_LOG_PREVIOUS_KEYS, separated by
   * spaces or commas): published after the current one, so that older checkpoints still verify.
   */
  auditLogPreviousKeys: string[];
  /** The audit log's name in its checkpoints (C2SP tlog-checkpoint origin) and its key's name. */
  auditLogOrigin: string;
  /** How often new audit events and reads are taken into the log's tree and a checkpoint signed (ms; 0: never on its own). */
  auditLogIntervalMs: number;
  logLevel: string;
  /** Load the demo data set into an empty database at start-up. */
  seedDemo: boolean;
  /** Time budget of one operation in PostgreSQL (statement and idle-in-transaction timeout), ms. */
  queryBudgetMs: number;
  /** The same for CSV imports, which write many rows in one transaction. */
  importBudgetMs: number;
  /** Serve introspection (and with it GraphiQL's schema); on by default except in production. */
  introspection: boolean;
  /** Serve GraphiQL at GET /graphql; on by default except in production. */
  graphiql: boolean;
  /** Whether a new client app runs its registered (trusted) documents only, unless its ADMIN says otherwise; on by default in production. */
  trustedDocuments: boolean;
  /** Shared state of several server processes (login throttling); empty: in each process's memory. */
  redisUrl: string | undefined;
  /** Prefix of every key this deployment keeps in Redis. */
  redisPrefix: string;
  /**
   * Client apps' quotas (issue 32): per window of `windowSeconds`, requests and cost units; an app's ADMIN
   * sets its own figures up to the maxima, and an app without any gets the defaults.
   */
  appQuotas: AppQuotaBounds;
  /** How many proxies in front of the server append to X-Forwarded-For; 0: the socket's address is the client's. */
  trustProxy: number;
  /** Repeated statements prepared once per connection (see db/prepared.ts); off behind a pooler that cannot keep them. */
  preparedStatements: boolean;
  /** GraphQL operations one process runs at once (0: no limit), and how many may wait for a turn (see server/operation-gate.ts). */
  maxConcurrentOperations: number;
  maxQueuedOperations: number;
  /** Heavy operations (exports, imports, statistics, large pages) one process runs at once (0: no limit), per account, and how long one waits for a turn (see server/heavy-gate.ts). */
  heavyConcurrentOperations: number;
  heavyPerAccount: number;
  heavyQueueMs: number;
  /** A listener of its own for Prometheus's `/metrics` (0: none), on `metricsHost`. */
  metricsPort: number;
  metricsHost: string;
  /** With it, the public port also serves `/metrics` to `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Browser origins allowed to call the API from another origin (CORS, and WebSocket upgrades); empty: none. */
  corsOrigins: readonly string[];
  /** How long a `changes` cursor can resume a stream (days); older ones get CURSOR_EXPIRED. */
  changesRetentionDays: number;
  /** Subscriptions one account may hold at once in one process, over all its connections. */
  subscriptionsPerAccount: number;
  /** OpenTelemetry tracing is on when set (OTLP/HTTP; the SDK reads the other OTEL_* settings itself). */
  otlpEndpoint: string | undefined;
  serviceName: string;
}

function int(name: string, value: string | undefined, fallback: number, max = 65535): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name} must be a whole number from 0 to ${max}, got "${value}"`);
  return n;
}

function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (['true', '1', 'yes'].includes(value.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(value.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}

/** A duration such as `15m`, `8h`, `30s` or `900` (seconds). */
function duration(name: string, value: string | undefined, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+\s*[smhd]?$/.test(value.trim()) || /^0+\s*[smhd]?$/.test(value.trim()))
    throw new Error(`${name} must be a duration such as 15m, 8h or 900, got "${value}"`);
  return value.trim();
}

/** `https://app.example.go.id,http://localhost:5173`: exact origins, each scheme, host and port, no paths or wildcards. */
function origins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      let url: URL | undefined;
      try {
        url = new URL(o);
      } catch {
        url = undefined;
      }
      if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== o.replace(/\/$/, ''))
        throw new Error(`CORS_ORIGINS must list origins such as https://app.example.go.id (scheme, host, port; no path or wildcard), got "${o}"`);
      return url.origin;
    });
}

/** A guessable token would publish the metrics: at least 32 characters. */
function metricsToken(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.length < 32) throw new Error(`METRICS_TOKEN must be at least 32 characters (${KEY_HELP})`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  return {
    env: nodeEnv,
    host: env.HOST || '127.0.0.1',
    port: int('PORT', env.PORT, 4000),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseAppUrl: env.DATABASE_APP_URL || undefined,
    dataDir: env.SINERGI_DATA_DIR || `${process.cwd()}/.data`,
    databaseReplicaUrls: env.DATABASE_REPLICA_URLS || undefined,
    replicaPinMs: int('REPLICA_PIN_SECONDS', env.REPLICA_PIN_SECONDS, 5, 3600) * 1000,
    jwtSecret: env.JWT_SECRET || DEFAULT_JWT_SECRET,
    jwtTtl: duration('JWT_TTL', env.JWT_TTL, '8h'),
    accessTokenTtl: duration('ACCESS_TOKEN_TTL', env.ACCESS_TOKEN_TTL, '1h'),
    auditKey: env.AUDIT_KEY || DEFAULT_AUDIT_KEY,
    auditLogKey: env.AUDIT_LOG_KEY || undefined,
    auditLogPreviousKeys: (env.AUDIT_LOG_PREVIOUS_KEYS ?? '').split(/[\s,]+/).filter(Boolean),
    auditLogOrigin: env.AUDIT_LOG_ORIGIN || 'sinergi.localhost/audit-log',
    auditLogIntervalMs: int('AUDIT_LOG_INTERVAL_MS', env.AUDIT_LOG_INTERVAL_MS, nodeEnv === 'test' ? 0 : 1000, 3_600_000),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    seedDemo: env.SEED_DEMO !== 'false',
    queryBudgetMs: int('QUERY_BUDGET_MS', env.QUERY_BUDGET_MS, 10_000, 3_600_000),
    importBudgetMs: int('IMPORT_BUDGET_MS', env.IMPORT_BUDGET_MS, 120_000, 3_600_000),
    introspection: flag('GRAPHQL_INTROSPECTION', env.GRAPHQL_INTROSPECTION, nodeEnv !== 'production'),
    graphiql: flag('GRAPHIQL', env.GRAPHIQL, nodeEnv !== 'production'),
    trustedDocuments: flag('TRUSTED_DOCUMENTS', env.TRUSTED_DOCUMENTS, nodeEnv === 'production'),
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX || 'sinergi',
    appQuotas: {
      windowSeconds: int('APP_QUOTA_WINDOW_SECONDS', env.APP_QUOTA_WINDOW_SECONDS, DEFAULT_APP_QUOTAS.windowSeconds, 86_400),
      defaultRequests: int('APP_QUOTA_REQUESTS', env.APP_QUOTA_REQUESTS, DEFAULT_APP_QUOTAS.defaultRequests, 10_000_000),
      defaultCost: int('APP_QUOTA_COST', env.APP_QUOTA_COST, DEFAULT_APP_QUOTAS.defaultCost, 2_000_000_000),
      maxRequests: int('APP_QUOTA_MAX_REQUESTS', env.APP_QUOTA_MAX_REQUESTS, DEFAULT_APP_QUOTAS.maxRequests, 10_000_000),
      maxCost: int('APP_QUOTA_MAX_COST', env.APP_QUOTA_MAX_COST, DEFAULT_APP_QUOTAS.maxCost, 2_000_000_000),
    },
    trustProxy: int('TRUST_PROXY', env.TRUST_PROXY, 0, 10),
    preparedStatements: flag('DATABASE_PREPARED_STATEMENTS', env.DATABASE_PREPARED_STATEMENTS, true),
    maxConcurrentOperations: int('MAX_CONCURRENT_OPERATIONS', env.MAX_CONCURRENT_OPERATIONS, 16, 10_000),
    maxQueuedOperations: int('MAX_QUEUED_OPERATIONS', env.MAX_QUEUED_OPERATIONS, 1_000, 1_000_000),
    heavyConcurrentOperations: int('HEAVY_CONCURRENT_OPERATIONS', env.HEAVY_CONCURRENT_OPERATIONS, 3, 1_000),
    heavyPerAccount: int('HEAVY_PER_ACCOUNT', env.HEAVY_PER_ACCOUNT, 2, 1_000),
    heavyQueueMs: int('HEAVY_QUEUE_MS', env.HEAVY_QUEUE_MS, 2_000, 60_000),
    metricsPort: int('METRICS_PORT', env.METRICS_PORT, 0),
    metricsHost: env.METRICS_HOST || '127.0.0.1',
    metricsToken: metricsToken(env.METRICS_TOKEN),
    corsOrigins: origins(env.CORS_ORIGINS),
    changesRetentionDays: int('CHANGES_RETENTION_DAYS', env.CHANGES_RETENTION_DAYS, 7, 3_650),
    subscriptionsPerAccount: int('SUBSCRIPTIONS_PER_ACCOUNT', env.SUBSCRIPTIONS_PER_ACCOUNT, 50, 1_000_000),
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
    serviceName: env.OTEL_SERVICE_NAME || 'sinergi',
  };
}

/**
 * Reads `.env` in the working directory (or the file `SINERGI_ENV_FILE` names)
 * into the environment when it exists: variables already set win, as with
 * Node's `--env-file`. Not under the tests (NODE_ENV=test): a developer's
 * `.env` must not point the suite at another database.
 */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  if (env.NODE_ENV === 'test') return null;
  const file = path.resolve(cwd, env.SINERGI_ENV_FILE || '.env');
  if (!existsSync(file)) {
    if (env.SINERGI_ENV_FILE) throw new Error(`SINERGI_ENV_FILE names ${file}, which does not exist`);
    return null;
  }
  process.loadEnvFile(file);
  return file;
}

export const envFile = loadDotEnv();
export const config: Config = loadConfig();

/** The key material in `secret` when written as hex or base64(url) of bytes; null otherwise. */
export function decodedKey(secret: string): Buffer | null {
  const s = secret.trim();
  if (/^[0-9a-fA-F]+$/.test(s) && s.length % 2 === 0) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return null;
}

/** Bytes of key material in `secret` when written as hex or base64(url) of random bytes; 0 otherwise. */
export function keyBytes(secret: string): number {
  return decodedKey(secret)?.length ?? 0;
}

/**
 * Whether `key` looks drawn at random: 32 random bytes hold about 30
 * distinct values (fewer than 16 happens with odds below 10⁻¹⁵), and no run
 * repeats a short pattern or counts up. `aaaa…`, `0123…` or a passphrase
 * written as hex fail; what `crypto.randomBytes(32)` gives passes.
 */
export function looksRandom(key: Buffer): boolean {
  const head = key.subarray(0, 32);
  if (new Set(head).size < 16) return false;
  for (let period = 1; period <= 8; period++) if (head.every((b, i) => i < period || b === head[i - period])) return false;
  const steps = new Set(head.subarray(1).map((b, i) => (b - head[i] + 256) % 256));
  return steps.size > 4;
}

export const KEY_HELP = "generate one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"";

/**
 * In production the token secret and the audit key must each be at least 256
 * bits of key material (32 random bytes, as hex or base64) and differ: a short
 * HS256 secret is recovered from one token in moments, and then tokens — or
 * audit signatures — can be forged. Returns the problems, empty when sound.
 */
export function productionKeyProblems(config: Pick<Config, 'jwtSecret' | 'auditKey'>): string[] {
  const problems: string[] = [];
  for (const [name, value, fallback] of [
    ['JWT_SECRET', config.jwtSecret, DEFAULT_JWT_SECRET],
    ['AUDIT_KEY', config.auditKey, DEFAULT_AUDIT_KEY],
  ] as const) {
    const key = decodedKey(value);
    if (value === fallback) problems.push(`NODE_ENV=production needs ${name}: refusing the development default (${KEY_HELP}).`);
    else if (!key || key.length < 32)
      problems.push(`${name} must carry at least 256 bits: 32 random bytes as 64 hex digits or 44 base64 characters (${KEY_HELP}).`);
    else if (!looksRandom(key)) problems.push(`${name} is not random: a repeated or counted pattern is guessed at once (${KEY_HELP}).`);
  }
  // As bytes: the same key written once as hex and once as base64 is one key.
  const [jwt, audit] = [decodedKey(config.jwtSecret), decodedKey(config.auditKey)];
  if (config.jwtSecret === config.auditKey || (jwt && audit && jwt.length > 0 && jwt.equals(audit)))
    problems.push('JWT_SECRET and AUDIT_KEY must differ: one leaked key must not forge both tokens and audit signatures.');
  return problems;
}
