import type { IncomingMessage } from 'node:http';
import type { Logger as Pino, Level, LevelWithSilent } from 'pino';
import { loggableUrl } from './logger.js';

interface RequestLike {
  id: string;
  method: string;
  url: string;
  raw: IncomingMessage;
}
interface ReplyLike {
  statusCode: number;
  elapsedTime: number;
}
type Done = (err?: Error) => void;
interface HookHost {
  addHook(
    name: 'onResponse',
    hook: (request: RequestLike, reply: ReplyLike, done: Done) => void,
  ): unknown;
}

/** The level of one request's line, from its method, URL, status and whether it failed. */
export type RequestLevel = (
  method: string,
  url: string,
  status: number,
  failed: boolean,
) => LevelWithSilent;

const QUIET_PATHS = new Set(['/health', '/healthz', '/readyz', '/metrics']);

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The default levels: polls silent, server errors error, client errors warn, changes
 * info, and successful reads debug (a client polling a job would otherwise fill the info
 * log, and writing those lines cost a tenth of the time of a poll).
 */
export const defaultRequestLevel: RequestLevel = (method, url, status, failed) => {
  const q = url.indexOf('?');
  if (QUIET_PATHS.has(q < 0 ? url : url.slice(0, q))) return 'silent';
  if (failed || status >= 500) return 'error';
  if (status >= 400) return 'warn';
  return READS.has(method) ? 'debug' : 'info';
};

/**
 * The default levels, with a share `readSample` (0 to 1) of the successful reads logged at
 * info instead of debug (`LOG_READ_REQUESTS_SAMPLE`): a trace of read traffic at info.
 */
export function sampledRequestLevel(
  readSample: number,
  random: () => number = Math.random,
): RequestLevel {
  if (!(readSample > 0)) return defaultRequestLevel;
  return (method, url, status, failed) => {
    const level = defaultRequestLevel(method, url, status, failed);
    return level === 'debug' && random() < readSample ? 'info' : level;
  };
}

const KEPT_HEADERS = ['user-agent', 'content-type', 'content-length', 'idempotency-key'] as const;

/**
 * One line per HTTP request, written by a Fastify `onResponse` hook: method, URL (secret
 * query values replaced), status, response time and request id, plus the trace, user and
 * job ids the logger's mixin adds. The record is built from named, harmless fields only,
 * so it needs no redaction pass, and nothing is built at all when its level is off. This
 * replaces pino-http, which made a child logger per request and ran every line through
 * the redaction paths: a fifth of the gateway's time on a status poll.
 * Returns false when the server is not Fastify (nothing is installed).
 */
export function logHttpRequests(
  instance: unknown,
  root: Pino,
  level: RequestLevel = defaultRequestLevel,
): boolean {
  if (
    typeof instance !== 'object' ||
    instance === null ||
    typeof (instance as { addHook?: unknown }).addHook !== 'function'
  )
    return false;
  // The record is fixed-shape and secret-free: skip the root's redaction of free-form fields.
  const lines = root.child({}, { redact: [] });
  (instance as HookHost).addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const chosen = level(request.method, request.url, status, false);
    if (chosen !== 'silent' && lines.isLevelEnabled(chosen)) {
      const headers: Record<string, unknown> = {};
      for (const name of KEPT_HEADERS) {
        const value = request.raw.headers[name];
        if (value !== undefined) headers[name] = value;
      }
      const url = loggableUrl(request.url);
      lines[chosen as Level](
        {
          requestId: request.id,
          req: { method: request.method, url, headers },
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime),
        },
        `${request.method} ${url} ${status}${status >= 500 ? ' failed' : ''}`,
      );
    }
    done();
  });
  return true;
}
