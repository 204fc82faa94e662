/**
 * Prometheus metrics (prom-client), in a registry of their own: request
 * durations by GraphQL operation, GraphQL errors by code, the database pools
 * (in use, idle, waiting), the audit append's latency, and the process's own
 * (CPU, memory, event-loop lag, GC) from prom-client's default collectors.
 *
 * Served only where the operator chose: on `METRICS_PORT` (a listener of its
 * own, which the public port never answers for), or on the public port at
 * `/metrics` with `METRICS_TOKEN` as a bearer token; with neither, nowhere.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isAbstractType, type GraphQLSchema } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The parts of a knex (tarn) pool the gauges read. */
export interface PoolStats {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/**
 * Operation names come from clients, so a label per name would let a client
 * write anything into the metrics (a NIK as an operation name) and crowd out
 * the real ones. Only names the server knows become labels: those of the SDK's
 * checked-in documents (clients/typescript), which are derived from the schema
 * — one per root field, and `<Type>Node` per Node type — so the server derives
 * the same list (`knownOperationNames`). Every other name is counted as
 * `_other`, an operation without a name as `_anonymous`.
 */
const OTHER = '_other';

/** The operation names of the SDK's documents, from the schema they were generated from. */
export function knownOperationNames(schema: GraphQLSchema): Set<string> {
  const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const names = new Set<string>();
  for (const root of [schema.getQueryType(), schema.getMutationType()]) for (const field of Object.keys(root?.getFields() ?? {})) names.add(pascal(field));
  const node = schema.getType('Node');
  if (node && isAbstractType(node)) for (const type of schema.getPossibleTypes(node)) names.add(`${type.name}Node`);
  return names;
}

/** Seconds, from a millisecond to a minute: GraphQL reads here take 2–500 ms, imports up to minutes. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Metrics {
  readonly registry = new Registry();
  private readonly requestDuration = new Histogram({
    name: 'sinergi_graphql_request_duration_seconds',
    help: 'GraphQL requests, from the body read to the answer written, by operation name and type',
    labelNames: ['operation', 'type'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'sinergi_graphql_errors_total',
    help: 'Errors in GraphQL answers, by extensions.code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly auditAppend = new Histogram({
    name: 'sinergi_audit_append_seconds',
    help: "Time of a mutation's COMMIT with its audit events: linked into the chain, signed and committed in one round trip",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  constructor(
    pools: () => Record<string, PoolStats | undefined>,
    private readonly knownOperations: ReadonlySet<string> = new Set(),
  ) {
    collectDefaultMetrics({ register: this.registry });
    // Read when scraped, not per request.
    new Gauge({
      name: 'sinergi_db_pool_connections',
      help: 'Database connections of each pool (primary, replica-N): in use, idle, and requests waiting for one',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [pool, stats] of Object.entries(pools())) {
          if (!stats) continue;
          this.set({ pool, state: 'in_use' }, stats.numUsed());
          this.set({ pool, state: 'idle' }, stats.numFree());
          this.set({ pool, state: 'waiting' }, stats.numPendingAcquires());
        }
      },
    });
  }

  /** One GraphQL request: its duration, and each error code of its answer. */
  observeRequest(operationName: string | null, operationType: string | null, seconds: number, errorCodes: readonly string[]): void {
    const operation = operationName === null ? '_anonymous' : this.knownOperations.has(operationName) ? operationName : OTHER;
    this.requestDuration.observe({ operation, type: operationType ?? 'none' }, seconds);
    for (const code of errorCodes) this.errors.inc({ code });
  }

  /** One audit append: its events linked and committed (seconds). */
  readonly observeAuditAppend = (seconds: number): void => this.auditAppend.observe(seconds);

  /** The exposition text, and its content type. */
  async scrape(): Promise<{ type: string; body: string }> {
    return { type: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
export function hasMetricsToken(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  // Hashed first: timingSafeEqual wants equal lengths, and the length must not leak either.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return given.length > 0 && timingSafeEqual(digest(given), digest(token));
}
