import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createContextKey,
  propagation,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { TRACEPARENT, type Envelope, type EnvelopeMeta } from '@docat/contracts';

/**
 * Trace context across the bus. A sender opens a CLIENT (RPC) or PRODUCER (event) span
 * and writes its W3C `traceparent`/`tracestate` into the envelope; a receiver extracts
 * them and runs the handler inside a SERVER or CONSUMER span that is its child. Without
 * a registered tracer provider (unit tests, tools) every call here is a cheap no-op and
 * envelopes keep whatever trace context the caller gave them.
 */
const tracer = () => trace.getTracer('@docat/transport');

/**
 * The fields every log line written while handling a message carries. The key is a
 * `Symbol.for` name, so the logger (in the service kit) reads the same slot.
 */
export const LOG_FIELDS_KEY = createContextKey('docat.log-fields');
export interface LogFields {
  requestId?: string;
  userId?: string;
  jobId?: string;
}

const TRACESTATE_MAX = 512;

/** Copies the trace context of `ctx` into envelope metadata (W3C header names). */
export function stampTraceContext<T extends Partial<EnvelopeMeta>>(
  target: T,
  ctx: Context = context.active(),
): T {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const traceparent = carrier['traceparent'];
  if (traceparent && TRACEPARENT.test(traceparent)) {
    target.traceparent = traceparent;
    const tracestate = carrier['tracestate'];
    if (tracestate && tracestate.length <= TRACESTATE_MAX) target.tracestate = tracestate;
    else delete target.tracestate;
  }
  return target;
}

/** The context a received envelope continues: its remote parent span, or none. */
export function extractTraceContext(
  meta: Pick<EnvelopeMeta, 'traceparent' | 'tracestate'>,
): Context {
  const carrier: Record<string, string> = {};
  if (meta.traceparent) carrier['traceparent'] = meta.traceparent;
  if (meta.tracestate) carrier['tracestate'] = meta.tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/**
 * The active span's W3C `traceparent`, kept with long-lived work (a job) so that later
 * steps join the trace that started it; undefined when no span is active.
 */
export function activeTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const traceparent = carrier['traceparent'];
  return traceparent && TRACEPARENT.test(traceparent) ? traceparent : undefined;
}

/**
 * Runs `work` in the trace a stored `traceparent` names. The active context is kept when
 * its span already belongs to that trace (a finer parent), or when nothing was stored;
 * otherwise `work` runs under the stored span, so a timer, or a pass that serves many
 * jobs, does not file one job's work under another's trace or a trace of its own.
 */
export function inTrace<T>(traceparent: string | null | undefined, work: () => T): T {
  if (!traceparent || !TRACEPARENT.test(traceparent)) return work();
  const active = trace.getSpanContext(context.active());
  if (active && active.traceId === traceparent.split('-')[1]) return work();
  return context.with(extractTraceContext({ traceparent }), work);
}

/** The Docat job id a payload is about, when it names one (log correlation only). */
export function jobIdOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const jobId = (data as { jobId?: unknown }).jobId;
  return typeof jobId === 'string' && jobId.length <= 64 ? jobId : undefined;
}

export interface OutgoingSpan {
  /** The envelope with this span's trace context written in. */
  stamp<T extends Envelope>(envelope: T): T;
  end(error?: unknown): void;
}

/** Opens the sender's span of an RPC (`rpc`) or an event (`event`). */
export function startOutgoing(kind: 'rpc' | 'event', name: string): OutgoingSpan {
  const span: Span = tracer().startSpan(`${kind === 'rpc' ? 'call' : 'publish'} ${name}`, {
    kind: kind === 'rpc' ? SpanKind.CLIENT : SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'docat',
      'messaging.destination.name': name,
      'rpc.method': name,
    },
  });
  const ctx = trace.setSpan(context.active(), span);
  let ended = false;
  return {
    stamp: (envelope) => stampTraceContext(envelope, ctx),
    end(error?: unknown) {
      if (ended) return;
      ended = true;
      if (error !== undefined) markFailed(span, error);
      span.end();
    },
  };
}

/**
 * Runs a received message's handler inside a SERVER (RPC) or CONSUMER (event) span that
 * continues the sender's trace, with the envelope's request id, user id and job id as
 * log fields for every line the handler writes.
 */
export async function runIncoming<T>(
  kind: 'rpc' | 'event',
  envelope: Envelope,
  work: () => Promise<T>,
): Promise<T> {
  const parent = extractTraceContext(envelope);
  const span = tracer().startSpan(
    `${kind === 'rpc' ? 'handle' : 'consume'} ${envelope.type}`,
    {
      kind: kind === 'rpc' ? SpanKind.SERVER : SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'docat',
        'messaging.destination.name': envelope.type,
        'messaging.message.id': envelope.id,
      },
    },
    parent,
  );
  const fields: LogFields = {};
  if (envelope.requestId !== undefined) fields.requestId = envelope.requestId;
  if (envelope.userId !== undefined) fields.userId = envelope.userId;
  const jobId = jobIdOf(envelope.data);
  if (jobId !== undefined) {
    fields.jobId = jobId;
    span.setAttribute('docat.job_id', jobId);
  }
  const ctx = trace.setSpan(parent, span).setValue(LOG_FIELDS_KEY, fields);
  try {
    return await context.with(ctx, work);
  } catch (err) {
    markFailed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span failed with the error's Docat code (when it has one) and a short message. */
export function markFailed(span: Span, error: unknown): void {
  const code =
    typeof error === 'object' && error !== null && 'code' in error
      ? String((error as { code: unknown }).code)
      : undefined;
  if (code) span.setAttribute('docat.error_code', code);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message.slice(0, 200) : (code ?? 'failed'),
  });
}
