/**
 * `npm start`: database (embedded unless DATABASE_URL), migrations, demo data
 * on an empty database, then the HTTP server on 127.0.0.1:PORT.
 */
import 'reflect-metadata';
// Before anything that loads http, pg or graphql: the tracing instrumentations wrap them as they load.
import { stopTracing } from './tracing';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from './app';
import { config, envFile, productionKeyProblems } from '../config';
import { openDatabase } from '../startup/database';
import { DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, seedDemo, seedReference, systemEm } from '../seed/demo';
import { logger } from '../logger';
import { Account } from '../modules/account/account.entity';
import { registerAuditKeyAt } from '../modules/audit/audit-key';
import { logSigner, previousLogKeys } from '../modules/audit/log/log-key';
import { startupBanner } from './banner';

async function main() {
  if (envFile) logger.info(`settings from ${envFile}`);
  const weak = config.env === 'production' ? productionKeyProblems(config) : [];
  if (weak.length) throw new Error(weak.join('\n'));
  // The audit log's keys, before anything starts: production refuses to run without one, and nobody with a malformed earlier one.
  logSigner(config);
  previousLogKeys(config);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    appUrl: config.databaseAppUrl,
    replicaUrls: config.databaseReplicaUrls,
    dataDir: config.dataDir,
    log: (l) => logger.info(l),
  });
  if (db.replicas.length) logger.info(`${db.replicas.length} read replica(s): queries that write nothing go there`);
  await seedReference(db.adminOrm);
  const em = systemEm(db.adminOrm);
  const accounts = await em.count(Account, {});
  let demo = false;
  if (accounts === 0 && config.seedDemo && config.env !== 'production') {
    const started = Date.now();
    await seedDemo(db.adminOrm);
    logger.info(`demo data loaded in ${Date.now() - started} ms`);
  }
  demo = (await em.count(Account, { email: { $like: `%${DEMO_EMAIL_DOMAIN}` } })) > 0;
  if (config.env === 'production' && demo) {
    await db.close();
    throw new Error(`NODE_ENV=production with demo accounts (*${DEMO_EMAIL_DOMAIN}) in the database: refusing to start.`);
  }
  // Before the first event: a key other than the one that started this database's audit chain is refused.
  await registerAuditKeyAt(db.url, config.auditKey).catch(async (e: unknown) => {
    await db.close();
    throw e;
  });

  const app = await createApp({ orm: db.orm, replicas: db.replicas, config, log: logger, demoPassword: demo ? DEMO_PASSWORD : null });
  const server = http.createServer(app.handle);
  server.on('upgrade', app.upgrade);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.port, config.host, resolve));

  // Metrics on a listener of their own (METRICS_PORT): the public port never answers /metrics without METRICS_TOKEN.
  const metricsServer = config.metricsPort ? http.createServer((req, res) => void serveMetrics(app, req, res)) : null;
  if (metricsServer) {
    await new Promise<void>((resolve, reject) => metricsServer.once('error', reject).listen(config.metricsPort, config.metricsHost, resolve));
    logger.info(`metrics at http://${config.metricsHost}:${config.metricsPort}/metrics`);
  }

  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}/graphql`;
  process.stdout.write(startupBanner(url, config.graphiql, demo ? DEMO_PASSWORD : null));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    server.close();
    server.closeIdleConnections();
    metricsServer?.close();
    await app.stop();
    await db.close();
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function serveMetrics(app: App, req: http.IncomingMessage, res: http.ServerResponse) {
  if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const { type, body } = await app.metrics.scrape();
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

main().catch((err) => {
  logger.fatal({ err }, 'start-up failed');
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
