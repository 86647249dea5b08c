import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import cors from '@fastify/cors';
import { fastifyMultipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DocatConfig } from '@docat/config';
import { MAX_UPLOAD_BYTES } from '@docat/contracts';
import { httpRequestDuration, httpRequests } from '@docat/observability';
import type { HttpOptions } from '@docat/service-kit';
import { JSON_BODY_LIMIT } from './gateway.settings.js';
import { registerBodyDeadlines } from './http/body-deadline.js';
import { ProblemFilter } from './http/problem.filter.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from './http/problem.js';
import { REQUEST_ID_HEADER, requestIdFor } from './http/request-id.js';
import { SECURITY_HEADERS } from './http/security-headers.js';
import { serveWebApp, webAppRoot } from './web/web-app.js';

/**
 * The Fastify adapter. `X-Forwarded-For` is believed only from TRUSTED_PROXIES, so a
 * client cannot pick the address its per-address rate limits count against.
 */
export function createGatewayAdapter(config?: Pick<DocatConfig, 'http'>): FastifyAdapter {
  const proxies = config?.http.trustedProxies ?? [];
  return new FastifyAdapter({
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: requestIdFor,
    requestIdHeader: false,
    trustProxy: proxies.length > 0 ? [...proxies] : false,
    return503OnClosing: true,
    // No Nest middleware is used: without middie, no request walks an empty middleware
    // chain. A middleware added later fails at start-up (Fastify has no `use`), not silently.
    skipMiddie: true,
    // Errors Fastify answers before any hook runs (a malformed URL): the same problem+json,
    // request id and security headers as everything else.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const problem = problemFor(error, { requestId: request.id });
      void reply
        .headers(SECURITY_HEADERS)
        .header(REQUEST_ID_HEADER, request.id)
        .status(problem.status)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send(Buffer.from(JSON.stringify(problem), 'utf8'));
    },
  });
}

/**
 * Everything the gateway's HTTP server needs besides its routes: problem+json for
 * every error (including Fastify's own, before routing), the request id echoed on
 * every response, security headers, CORS for the configured origins only, multipart.
 * Standalone mode applies the same function to its one HTTP server.
 */
export async function configureGatewayApp(
  app: INestApplication,
  config: Pick<DocatConfig, 'http'> & { limits?: Pick<DocatConfig['limits'], 'maxUploadBytes'> },
): Promise<void> {
  const fastifyApp = app as NestFastifyApplication;
  const instance = fastifyApp.getHttpAdapter().getInstance();
  // @fastify/cors registered on Fastify itself rather than through Nest's enableCors, whose
  // hook also copies the CORS headers onto the Node response of every request (for
  // middleware, which the gateway has none of): that copy made Node merge every response's
  // headers twice. The headers sent are the same.
  if (config.http.corsOrigins.length > 0) {
    await fastifyApp.register(cors, {
      origin: [...config.http.corsOrigins],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      // Bearer tokens and API keys travel in headers, never cookies: credentials stay off.
      credentials: false,
      allowedHeaders: [
        'authorization',
        'x-api-key',
        'content-type',
        'idempotency-key',
        'x-request-id',
        'range',
        'if-none-match',
        'last-event-id',
      ],
      // One string, as sent: the plugin would join a list again for every response.
      exposedHeaders: [
        'x-request-id',
        'location',
        'etag',
        'content-range',
        'content-disposition',
        'retry-after',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'ratelimit-policy',
      ].join(', '),
      maxAge: 600,
      // First of the gateway's request hooks, so that a preflight is answered before them
      // (as Nest's enableCors did).
      hook: 'onRequest',
    });
  }
  // Callback hooks, not async ones: no promise per request.
  instance.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    void reply.headers(SECURITY_HEADERS);
    done();
  });
  registerBodyDeadlines(instance, {
    bodyTimeoutMs: config.http.bodyTimeoutMs,
    uploadMinBytesPerSecond: config.http.uploadMinBytesPerSecond,
    uploadRateWindowMs: config.http.uploadRateWindowMs,
    maxUploadBytes: config.limits?.maxUploadBytes ?? MAX_UPLOAD_BYTES,
  });
  instance.addHook('onResponse', (request, reply, done) => {
    // The route template, never the raw URL: ids in paths would make unbounded label sets.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    httpRequests.inc(labels);
    httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  app.useGlobalFilters(new ProblemFilter());
  registerStreamingMultipart(instance);
  // No cookie plugin: the browser-session routes, the only ones with cookies, parse and
  // write them themselves (browser-session.ts), so no hook runs on every answer.
  const webRoot = webAppRoot();
  if (webRoot) await serveWebApp(instance, webRoot);
}

/**
 * @fastify/multipart for uploads read as streams (`request.parts()`), without the two hooks
 * it adds to every request of the server to delete files saved to disk by
 * `saveRequestFiles`. The gateway never saves them (uploads stream to storage), and those
 * hooks, both async, cost every request (status polls included) a promise, a listener and
 * a turn of the microtask queue. `saveRequestFiles` refuses instead, so files that nothing
 * would delete are never saved.
 */
export function registerStreamingMultipart(instance: FastifyInstance): void {
  const refuse = () =>
    Promise.reject(new Error('saveRequestFiles is not available: the gateway streams uploads'));
  const scoped: FastifyInstance = new Proxy(instance, {
    get(target, prop) {
      if (prop === 'addHook')
        return (name: string, hook: unknown) =>
          name === 'onRequest' || name === 'onResponse'
            ? scoped
            : (target.addHook as (n: string, h: unknown) => FastifyInstance)(name, hook);
      if (prop === 'decorateRequest')
        return (name: string, value: unknown, dependencies?: string[]) =>
          target.decorateRequest(name, name === 'saveRequestFiles' ? refuse : value, dependencies);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  fastifyMultipart(scoped, { throwFileSizeLimit: true }, (error?: Error) => {
    if (error) throw error;
  });
}

/** The `http` option of `bootstrapService` for the gateway. */
export function gatewayHttpOptions(
  config: Pick<DocatConfig, 'http'> & { limits?: Pick<DocatConfig['limits'], 'maxUploadBytes'> },
): HttpOptions {
  return {
    adapter: () => createGatewayAdapter(config),
    configure: (app: INestApplication) => configureGatewayApp(app, config),
  };
}
