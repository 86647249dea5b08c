import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import { TRACEPARENT, type Envelope, type QueueName } from '@docat/contracts';
import { LOG_FIELDS_KEY, jobIdOf, markFailed } from '@docat/transport';

/**
 * Trace context through the queues: `enqueue` opens a PRODUCER span and writes its W3C
 * `traceparent`/`tracestate` into the job's envelope; the worker runs the handler inside
 * a CONSUMER span that is its child, so a step shows up under the request or event that
 * enqueued it. Without a registered tracer provider these are cheap no-ops.
 */
const tracer = () => trace.getTracer('@docat/queue');

const TRACESTATE_MAX = 512;

/**
 * Runs an enqueue inside a PRODUCER span and hands it the envelope stamped with that
 * span's trace context (a copy: the caller's object is left as it was).
 */
export async function tracedEnqueue<T, R>(
  queue: QueueName,
  data: Envelope<T>,
  send: (stamped: Envelope<T>) => Promise<R>,
): Promise<R> {
  const span = tracer().startSpan(`enqueue ${queue}`, {
    kind: SpanKind.PRODUCER,
    attributes: { 'messaging.system': 'docat-queue', 'messaging.destination.name': queue },
  });
  const jobId = jobIdOf(data.data);
  if (jobId) span.setAttribute('docat.job_id', jobId);
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  const stamped: Envelope<T> = { ...data };
  const traceparent = carrier['traceparent'];
  if (traceparent && TRACEPARENT.test(traceparent)) {
    stamped.traceparent = traceparent;
    const tracestate = carrier['tracestate'];
    if (tracestate && tracestate.length <= TRACESTATE_MAX) stamped.tracestate = tracestate;
    else delete stamped.tracestate;
  }
  try {
    return await send(stamped);
  } catch (err) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: err instanceof Error ? err.message.slice(0, 200) : 'enqueue failed',
    });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Runs a job's handler inside a CONSUMER span continuing the enqueuer's trace, with the
 * Docat job id, user id and request id as log fields of every line it writes.
 */
export async function tracedJob<T>(
  queue: QueueName,
  queueJobId: string,
  attempt: number,
  data: Envelope<unknown>,
  work: () => Promise<T>,
): Promise<T> {
  const carrier: Record<string, string> = {};
  if (data.traceparent) carrier['traceparent'] = data.traceparent;
  if (data.tracestate) carrier['tracestate'] = data.tracestate;
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  const span = tracer().startSpan(
    `process ${queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'docat-queue',
        'messaging.destination.name': queue,
        'messaging.message.id': queueJobId,
        'docat.attempt': attempt,
      },
    },
    parent,
  );
  const fields: { requestId?: string; userId?: string; jobId?: string; queueJobId: string } = {
    queueJobId,
  };
  if (data.requestId !== undefined) fields.requestId = data.requestId;
  if (data.userId !== undefined) fields.userId = data.userId;
  const jobId = jobIdOf(data.data);
  if (jobId !== undefined) {
    fields.jobId = jobId;
    span.setAttribute('docat.job_id', jobId);
  }
  try {
    return await context.with(trace.setSpan(parent, span).setValue(LOG_FIELDS_KEY, fields), work);
  } catch (err) {
    markFailed(span, err);
    throw err;
  } finally {
    span.end();
  }
}
