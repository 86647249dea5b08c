import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { RequestMethod } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger, type Params } from 'nestjs-pino';
import { pino, stdSerializers, type Logger as Pino, type LevelWithSilent } from 'pino';
import { LOG_FIELDS_KEY, type LogFields } from '@docat/transport';

export type LogLevel = LevelWithSilent;

/**
 * Paths removed from every log record. The request serializer below already keeps only
 * a few harmless headers; these catch secrets handed to a log call as fields.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'res.headers.location',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'secret',
  'signingSecret',
  'authorization',
  'cookie',
  'text',
  'segments',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.secret',
  '*.signingSecret',
  '*.authorization',
  '*.cookie',
  '*.text',
  '*.segments',
];

/** Query parameters whose values never reach a log: signatures of presigned URLs, tokens, keys. */
const SECRET_QUERY = /sig|signature|token|key|credential|secret|password|auth|amz|code/i;

/** A URL as logged: the path, and query parameter names with secret-looking values replaced. */
export function loggableUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const kept: string[] = [];
  for (const [name, value] of params) {
    kept.push(
      `${encodeURIComponent(name)}=${SECRET_QUERY.test(name) ? '[Redacted]' : encodeURIComponent(value.slice(0, 64))}`,
    );
  }
  return `${url.slice(0, q)}?${kept.join('&')}`;
}

const KEPT_HEADERS = ['user-agent', 'content-type', 'content-length', 'idempotency-key'] as const;

function requestRecord(req: IncomingMessage & { id?: unknown }): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  for (const name of KEPT_HEADERS)
    if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  return { method: req.method, url: loggableUrl(req.url), headers };
}

/**
 * The fields every line carries besides its message: the active span's trace and span
 * id, and the request, user and job the code is working for (set for the duration of a
 * handler by the HTTP hook, the transport server and the queue workers).
 */
export function contextFields(): Record<string, string> {
  const active = context.active();
  const out: Record<string, string> = {};
  const spanContext = trace.getSpan(active)?.spanContext();
  if (spanContext && isSpanContextValid(spanContext)) {
    out.traceId = spanContext.traceId;
    out.spanId = spanContext.spanId;
  }
  const fields = active.getValue(LOG_FIELDS_KEY) as
    (LogFields & { queueJobId?: string }) | undefined;
  if (fields) {
    for (const key of ['requestId', 'userId', 'jobId', 'queueJobId'] as const) {
      const value = fields[key];
      if (typeof value === 'string' && value.length > 0) out[key] = value;
    }
  }
  return out;
}

export interface LoggingOptions {
  /** `service` of every line: the app name, or `standalone` for the one-process mode. */
  service: string;
  level: LogLevel;
  /** Default: standard output, written synchronously so nothing is lost at `process.exit`. */
  destination?: NodeJS.WritableStream | { write(line: string): void };
}

export interface Logging {
  root: Pino;
  /** The Nest LoggerService to give NestFactory and `Logger.overrideLogger`. */
  nest: NestPinoLogger;
  /** `LoggerModule.forRoot(params)`: the pino-http middleware for the HTTP services. */
  params: Params;
}

let current: Logging | undefined;

/**
 * The process's one pino logger (JSON lines), created once: standalone mode boots six
 * Nest applications in one process and they share it. HTTP requests are logged by
 * pino-http (through nestjs-pino's middleware) with the request id as `requestId`;
 * health and metrics polls are not logged.
 */
export function setupLogging(opts: LoggingOptions): Logging {
  if (current) return current;
  const destination = opts.destination ?? pino.destination({ dest: 1, sync: true });
  const root = pino(
    {
      level: opts.level,
      base: { service: opts.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      mixin: contextFields,
      serializers: { err: stdSerializers.err },
    },
    destination as pino.DestinationStream,
  );
  const params: Params = {
    // nestjs-pino's default route pattern does not match under the Fastify adapter here.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: {
      logger: root,
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const own = (req as { id?: unknown }).id;
        if (typeof own === 'string' || typeof own === 'number') return own;
        const header = res.getHeader('x-request-id');
        return typeof header === 'string' ? header : '';
      },
      serializers: {
        req: requestRecord,
        res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
        err: stdSerializers.err,
      },
      // pino-http invents an Error (with its own stack) for a 5xx that threw nothing; the message says enough.
      customErrorObject: (
        _req: IncomingMessage,
        _res: ServerResponse,
        error: Error,
        value: Record<string, unknown>,
      ) =>
        error.message.startsWith('failed with status code ') ? { ...value, err: undefined } : value,
      customSuccessMessage: (req: IncomingMessage, res: ServerResponse) =>
        `${req.method} ${loggableUrl(req.url)} ${res.statusCode}`,
      customErrorMessage: (req: IncomingMessage, res: ServerResponse) =>
        `${req.method} ${loggableUrl(req.url)} ${res.statusCode} failed`,
    },
  };
  const nest = new NestPinoLogger(new PinoLogger(params), params);
  current = { root, nest, params };
  return current;
}
