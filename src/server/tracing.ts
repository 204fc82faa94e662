/**
 * OpenTelemetry tracing, on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the
 * standard OTLP settings apply: `OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`,
 * `OTEL_TRACES_SAMPLER`…): spans of each HTTP request, of its GraphQL
 * operation (ours, in app.ts: graphql-jit runs the operation, not graphql's
 * `execute`), of parsing and validation, and of each SQL statement, exported
 * over OTLP/HTTP.
 *
 * Loaded before anything that requires `http`, `pg` or `graphql`, so that the
 * instrumentations can wrap them. Never personal data or secrets in a span:
 * SQL text loses its literals (a request's first statement carries its
 * session's secret; an audit link, the changed values), a GET's query, variables
 * and extensions are redacted from the URL, GraphQL argument values are not
 * recorded, and no header is.
 */
import { trace, type Span } from '@opentelemetry/api';
import { config } from '../config';

/** SQL with every string literal (and E'' literal) replaced by `'?'`. */
export const withoutLiterals = (sql: string): string => sql.replace(/'(?:[^']|'')*'/g, "'?'");

/** Paths not traced: health checks and scrapes would be most spans and say nothing. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics', '/favicon.ico']);

export const tracingEnabled = !!config.otlpEndpoint && config.env !== 'test';

let shutdown: (() => Promise<void>) | undefined;

if (tracingEnabled) {
  // Required only when on: a process without tracing loads none of the SDK.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { GraphQLInstrumentation } = require('@opentelemetry/instrumentation-graphql') as typeof import('@opentelemetry/instrumentation-graphql');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED.has((req.url ?? '').split('?')[0]),
        ignoreOutgoingRequestHook: () => true,
        // A GET carries the operation and its variables in the URL.
        redactedQueryParamsServer: ['query', 'variables', 'extensions', 'operationName'],
      }),
      new GraphQLInstrumentation({ allowValues: false, ignoreResolveSpans: true, mergeItems: true, depth: 0 }),
      new PgInstrumentation({
        enhancedDatabaseReporting: false,
        requestHook: (span, query) => span.setAttribute('db.query.text', withoutLiterals(query.query.text)),
      }),
    ],
  });
  sdk.start();
  shutdown = () => sdk.shutdown();
}

/** Flushes the spans still buffered (at shutdown). */
export async function stopTracing(): Promise<void> {
  await shutdown?.().catch(() => undefined);
}

const tracer = trace.getTracer('sinergi');

/** Runs `fn` inside a span of its own when tracing is on (and as it is, without one, when off). */
export function inSpan<T>(name: string, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!tracingEnabled) return fn(undefined);
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn(span);
    } finally {
      span.end();
    }
  });
}

/** The span of the request being served, if tracing is on. */
export const activeSpan = (): Span | undefined => (tracingEnabled ? trace.getActiveSpan() : undefined);
