import type { IncomingHttpHeaders } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Span,
} from '@opentelemetry/api';
import { LOG_FIELDS_KEY } from '@docat/transport';

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

/**
 * A SERVER span per HTTP request on a Fastify instance: it continues the caller's W3C
 * `traceparent` (when sent) and is the active context for the rest of the request, so
 * the RPCs the handler makes and every log line it writes carry the same trace. The span
 * is named by the route template (never the raw URL, which holds ids). The user id is
 * read lazily, as the auth guard sets it after this hook ran. Returns false when the
 * server is not Fastify (nothing is installed).
 */
export function traceHttpRequests(instance: unknown): boolean {
  if (!isHookHost(instance)) return false;
  const tracer = trace.getTracer('@docat/service-kit');
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
    // Read lazily: the auth guard sets the user after this hook, and routes about one job
    // (`/v1/jobs/:id...`) name it in their path.
    const jobRoute = route?.startsWith('/v1/jobs/:id') ?? false;
    const fields = {
      requestId: request.id,
      get userId() {
        return request.user?.id;
      },
      get jobId() {
        const id = jobRoute ? (request.params as { id?: unknown } | undefined)?.id : undefined;
        return typeof id === 'string' && id.length <= 64 ? id : undefined;
      },
    };
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
