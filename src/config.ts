/**
 * Environment, parsed once at start-up. Everything else reads `config`, never
 * `process.env`, so that the full list of knobs lives in one place (and in the
 * README's configuration table).
 */
export const DEFAULT_JWT_SECRET = 'sinergi-development-secret-do-not-use-in-production';
export const DEFAULT_AUDIT_KEY = 'sinergi-development-audit-key-do-not-use-in-production';

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  /** Empty: start the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  /** The app role's own connection; empty: derived from the owner's (see db/app-role.ts). */
  databaseAppUrl: string | undefined;
  dataDir: string;
  jwtSecret: string;
  jwtTtl: string;
  /** Signs audit events and checkpoints (HMAC-SHA256); keep it outside the database. */
  auditKey: string;
  logLevel: string;
  /** Load the demo data set into an empty database at start-up. */
  seedDemo: boolean;
}

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
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
    jwtSecret: env.JWT_SECRET || DEFAULT_JWT_SECRET,
    jwtTtl: env.JWT_TTL || '8h',
    auditKey: env.AUDIT_KEY || DEFAULT_AUDIT_KEY,
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    seedDemo: env.SEED_DEMO !== 'false',
  };
}

export const config: Config = loadConfig();
