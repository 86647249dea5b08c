import type { IncomingHttpHeaders } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { LOG_FIELDS_KEY, type LogFields } from '@docat/transport';

interface RequestLike {
  id: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  routeOptions?: { url?: string };
  params?: unknown;
  user?: { id?: string };
}
interface ReplyLike {
  statusCode: number;
}
type Done = (err?: Error) => void;
interface HookHost {
  addHook(
    name: 'onRequest',
    hook: (request: RequestLike, reply: ReplyLike, done: Done) => void,
  ): unknown;
  addHook(
    name: 'onResponse',
    hook: (request: RequestLike, reply: ReplyLike, done: Done) => void,
  ): unknown;
  addHook(name: 'onRequestAbort', hook: (request: RequestLike, done: Done) => void): unknown;
}

function isHookHost(value: unknown): value is HookHost {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { addHook?: unknown }).addHook === 'function'
  );
}

/** The log fields of a request: its id, and the user and job read when a line is written. */
function logFieldsOf(request: RequestLike, route: string | undefined): LogFields {
  // Read lazily: the auth guard sets the user after this hook, and routes about one job
  // (`/v1/jobs/:id...`) name it in their path.
  const jobRoute = route?.startsWith('/v1/jobs/:id') ?? false;
  return {
    requestId: request.id,
    get userId() {
      return request.user?.id;
    },
    get jobId() {
      const id = jobRoute ? (request.params as { id?: unknown } | undefined)?.id : undefined;
      return typeof id === 'string' && id.length <= 64 ? id : undefined;
    },
  };
}

/**
 * The context of a request whose span records nothing (no exporter): built the first
 * time something reads it (a log line, an RPC carrying `traceparent`, a child span), so
 * a request answered without any of these (a status poll served from memory) costs no
 * ids, no span and no context copies. Once built it is the same context the eager path
 * makes: the caller's trace continued, a fresh span id, the request's log fields.
 */
class LazyRequestContext implements Context {
  private built: Context | undefined;

  constructor(
    private readonly tracer: Tracer,
    private readonly request: RequestLike,
  ) {}

  getValue(key: symbol): unknown {
    return this.context().getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.context().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.context().deleteValue(key);
  }

  private context(): Context {
    if (this.built === undefined) {
      const request = this.request;
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const route = request.routeOptions?.url;
      const span = this.tracer.startSpan(NON_RECORDING_NAME, { kind: SpanKind.SERVER }, parent);
      this.built = trace
        .setSpan(parent, span)
        .setValue(LOG_FIELDS_KEY, logFieldsOf(request, route));
    }
    return this.built;
  }
}

const NON_RECORDING_NAME = 'HTTP request';

export interface HttpTracingOptions {
  /**
   * Whether spans are exported (`Tracing.exporting`). When they are not, a request's span
   * and context are made only if something reads them (see `LazyRequestContext`). Default true.
   */
  recording?: boolean;
}

/**
 * A SERVER span per HTTP request on a Fastify instance: it continues the caller's W3C
 * `traceparent` (when sent) and is the active context for the rest of the request, so
 * the RPCs the handler makes and every log line it writes carry the same trace. The span
 * is named by the route template (never the raw URL, which holds ids). The user id is
 * read lazily, as the auth guard sets it after this hook ran. Returns false when the
 * server is not Fastify (nothing is installed).
 */
export function traceHttpRequests(instance: unknown, options: HttpTracingOptions = {}): boolean {
  if (!isHookHost(instance)) return false;
  const tracer = trace.getTracer('@docat/service-kit');
  if (options.recording === false) {
    // Spans record nothing: there are no timings, attributes or status to end them with.
    instance.addHook('onRequest', (request, _reply, done) => {
      context.with(new LazyRequestContext(tracer, request), done);
    });
    return true;
  }
  const spans = new WeakMap<RequestLike, Span>();
  instance.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions?.url;
    const span = tracer.startSpan(
      `${request.method} ${route ?? 'unmatched'}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route ?? 'unmatched',
          'docat.request_id': request.id,
        },
      },
      parent,
    );
    spans.set(request, span);
    const fields = logFieldsOf(request, route);
    context.with(trace.setSpan(parent, span).setValue(LOG_FIELDS_KEY, fields), () => done());
  });
  const finish = (request: RequestLike, status: number | null) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    if (request.user?.id) span.setAttribute('enduser.id', request.user.id);
    if (status === null)
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'aborted by the client' });
    else {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  instance.addHook('onResponse', (request, reply, done) => {
    finish(request, reply.statusCode);
    done();
  });
  instance.addHook('onRequestAbort', (request, done) => {
    finish(request, null);
    done();
  });
  return true;
}
