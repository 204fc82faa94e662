/**
 * The app of a test on a real HTTP port (loopback, any free port), for tests of what the HTTP layer itself
 * does: headers, statuses, bodies as a client sends them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../src/server/app';

export interface HttpServer {
  /** `http://127.0.0.1:<port>`, without a path. */
  base: string;
  close(): Promise<void>;
}

export async function serveOverHttp(app: App): Promise<HttpServer> {
  const server = http.createServer(app.handle);
  server.on('upgrade', app.upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
