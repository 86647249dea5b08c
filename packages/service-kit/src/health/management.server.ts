import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsText } from '@docat/observability';
import type { ReadinessReport } from '../runtime.js';

export interface ManagementServer {
  port: number;
  close(): Promise<void>;
}

export interface ManagementOptions {
  service: string;
  port: number;
  host?: string;
  readiness(): Promise<ReadinessReport>;
  /** False once shutdown began: readiness then fails so load balancers stop sending work. */
  accepting(): boolean;
  /** Refreshes gauges read at scrape time (queue depths); a failure leaves them as they were. */
  collect?(): Promise<void>;
}

/**
 * The management listener of a service: `/healthz` (the process answers), `/readyz`
 * (its own dependencies answer and it is not draining) and `/metrics`. It is a plain
 * node:http server, separate from any public port the Ingress exposes.
 */
export async function startManagementServer(opts: ManagementOptions): Promise<ManagementServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { status: 'method not allowed' });
    if (path === '/healthz') return send(200, { status: 'ok', service: opts.service, pid: process.pid });
    if (path === '/readyz') {
      if (!opts.accepting()) return send(503, { status: 'draining', service: opts.service, checks: {} });
      opts.readiness().then(
        (report) => send(report.ready ? 200 : 503, { status: report.ready ? 'ok' : 'unavailable', service: opts.service, checks: report.checks }),
        () => send(503, { status: 'unavailable', service: opts.service, checks: {} }),
      );
      return;
    }
    if (path === '/metrics') {
      (opts.collect?.() ?? Promise.resolve())
        // A scrape answers with the metrics it has rather than failing because one reading did.
        .catch(() => undefined)
        .then(() => metricsText())
        .then(
          ({ body, contentType }) => send(200, body, contentType),
          () => send(500, { status: 'metrics unavailable' }),
        );
      return;
    }
    send(404, { status: 'not found' });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
