/**
 * What each path of the server answers: health and readiness, metrics (to the
 * holder of METRICS_TOKEN), GraphiQL and its assets, the schema as SDL, CSV
 * downloads and uploads, client apps' tokens (OAuth 2.0), and GraphQL itself; everything else is 404.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config';
import { printSchemaFile } from '../graphql/schema';
import { RETRY_AFTER_SECONDS } from '../shared/errors';
import { requestIdOf } from './access-log';
import { acceptedEncoding } from './compression';
import { varyOn } from './cors';
import { exportCsv, type ExportList } from './export-csv';
import { graphiqlAsset, graphiqlPage } from './graphiql';
import type { GraphQLHttp } from './graphql-http';
import { send } from './http';
import { importCsvUpload } from './import-csv';
import { hasMetricsToken, type Metrics } from './metrics';
import { AUDIT_LOG_PREFIX, auditLogHttp } from './audit-log-http';
import { auditBundle } from './audit-bundle';
import { oauthToken, TOKEN_PATH } from './oauth-token';
import type { AuditLog } from '../modules/audit/log/audit-log';

export interface RouteDeps {
  orm: MikroORM;
  config: Config;
  metrics: Metrics;
  http: GraphQLHttp;
  downloads: Map<string, ExportList>;
  uploads: Map<string, string>;
  /** The demo password GraphiQL's login bar offers, in development. */
  demoPassword: string | null;
  auditLog: AuditLog;
  /** `/graphql/stream`: subscriptions as Server-Sent Events (subscriptions.ts). */
  stream(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** No framing (clickjacking of the login bar), no base or form target elsewhere, no referrer. */
const GRAPHIQL_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const GRAPHIQL_OFF =
  'GraphiQL is off on this server (GRAPHIQL=true serves it; off by default in production). GraphQL is served here to POST requests: see docs/clients.md.\n';

export function routes({ orm, config, metrics, http, downloads, uploads, demoPassword, auditLog, stream }: RouteDeps) {
  let sdl: Promise<string> | undefined;
  const serveAuditLog = auditLogHttp(orm, auditLog);

  async function ready(res: ServerResponse): Promise<void> {
    try {
      await orm.em.getConnection().execute('select 1');
      send(res, 200, 'application/json', '{"status":"ready"}');
    } catch {
      send(res, 503, 'application/json', '{"status":"database unavailable"}', { 'retry-after': String(RETRY_AFTER_SECONDS) });
    }
  }

  /** GraphiQL's scripts and styles, compressed ahead as the client accepts; true when it answered. */
  async function asset(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const file = req.method === 'GET' ? await graphiqlAsset(url.pathname, acceptedEncoding(req.headers['accept-encoding'])) : undefined;
    if (!file) return false;
    varyOn(res, 'accept-encoding');
    send(res, 200, file.type, file.body, { 'cache-control': 'public, max-age=86400', ...(file.encoding ? { 'content-encoding': file.encoding } : {}) });
    return true;
  }

  /** The contract as SDL, exactly schema/schema.graphql, to whoever may introspect. */
  async function schemaFile(res: ServerResponse): Promise<void> {
    if (!config.introspection) return send(res, 404, 'application/json', '{"error":"the schema is not served here (GRAPHQL_INTROSPECTION is off)"}');
    sdl ??= printSchemaFile();
    send(res, 200, 'text/plain; charset=utf-8', await sdl, { 'cache-control': 'no-cache' });
  }

  return async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { pathname } = url;
    if (pathname === '/healthz') return send(res, 200, 'application/json', '{"status":"ok"}');
    if (pathname === '/readyz') return ready(res);
    // The public port serves metrics only to the holder of METRICS_TOKEN; to anyone else the path does not exist.
    if (pathname === '/metrics' && config.metricsToken && hasMetricsToken(req, config.metricsToken)) {
      const { type, body } = await metrics.scrape();
      return send(res, 200, type, body, { 'cache-control': 'no-store' });
    }
    if (await asset(req, res, url)) return;
    if (pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    if (pathname === '/' && req.method === 'GET') return send(res, 302, 'text/plain', 'see /graphql', { location: '/graphql' });
    if (pathname === '/graphql/schema.graphql' && req.method === 'GET') return schemaFile(res);
    if (pathname.startsWith('/import/')) {
      const live = await http.callerSignedIn(req);
      return http.heavyTransfer(req, res, (run) => importCsvUpload(req, res, url, uploads, live, run, requestIdOf(req)));
    }
    if (pathname === TOKEN_PATH) return oauthToken(req, res, () => http.anonymousOperationsOf(req));
    if (pathname.startsWith(AUDIT_LOG_PREFIX)) return serveAuditLog(req, res, url);
    if (pathname === '/audit/bundle')
      return http.heavyTransfer(req, res, (run) => auditBundle(req, res, url, run, requestIdOf(req), auditLog.verifierKey, auditLog.origin));
    if (pathname.startsWith('/export/')) return http.heavyTransfer(req, res, (run) => exportCsv(req, res, url, downloads, run, requestIdOf(req)));
    if (pathname === '/graphql/stream') return stream(req, res);
    if (pathname === '/graphql') {
      const wantsHtml = req.method === 'GET' && !url.searchParams.has('query') && (req.headers.accept ?? '').includes('text/html');
      if (wantsHtml && config.graphiql) return send(res, 200, 'text/html; charset=utf-8', graphiqlPage(demoPassword), GRAPHIQL_HEADERS);
      // A browser, where GraphiQL is off: say so, and what would serve it, rather than refuse a GET without a query.
      if (wantsHtml) return send(res, 404, 'text/plain; charset=utf-8', GRAPHIQL_OFF, { 'cache-control': 'no-store' });
      return http.graphql(req, res, url);
    }
    send(res, 404, 'application/json', '{"error":"not found"}');
  };
}
