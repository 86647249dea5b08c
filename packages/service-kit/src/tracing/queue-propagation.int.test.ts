import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { makeEnvelope, QUEUES, type Envelope } from '@docat/contracts';
import { BullMqQueue } from '@docat/queue';
import { activeTraceparent, inTrace } from '@docat/transport';
import { deleteKeysWithPrefix, redisUrl } from '@docat/testing';

// A provider that keeps finished spans in memory, registered the way the kit registers its own.
const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(
  new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
);

describe('trace context through a BullMQ job', () => {
  const url = redisUrl();
  const keyPrefix = `docat-test-${randomBytes(6).toString('hex')}`;
  const queue = new BullMqQueue({ redis: url, keyPrefix });

  after(async () => {
    await queue.stop({ graceMs: 0 });
    await deleteKeysWithPrefix(url, `{${keyPrefix}:`);
  });

  test('the worker runs inside a CONSUMER span whose parent is the enqueue span, in the enqueuer’s trace', async () => {
    let seen!: (value: { traceId: string | undefined; envelope: Envelope }) => void;
    const handled = new Promise<{ traceId: string | undefined; envelope: Envelope }>(
      (resolve) => (seen = resolve),
    );
    await queue.work(QUEUES.EXTRACT, async (job) => {
      seen({ traceId: trace.getSpan(context.active())?.spanContext().traceId, envelope: job.data });
    });

    const parent = trace.getTracer('test').startSpan('request');
    const original = makeEnvelope(QUEUES.EXTRACT, 1, { jobId: 'job-7' });
    await context.with(trace.setSpan(context.active(), parent), () =>
      queue.enqueue(QUEUES.EXTRACT, original),
    );
    parent.end();
    assert.equal(original.traceparent, undefined, "the caller's envelope is left as it was");

    const { traceId, envelope } = await handled;
    const parentTrace = parent.spanContext().traceId;
    assert.equal(traceId, parentTrace, 'the handler runs in the enqueuer’s trace');
    assert.match(envelope.traceparent ?? '', new RegExp(`^00-${parentTrace}-[0-9a-f]{16}-01$`));

    await new Promise((r) => setTimeout(r, 50));
    const spans = exporter.getFinishedSpans();
    const enqueue = spans.find((span) => span.name === 'enqueue extract');
    const consume = spans.find((span) => span.name === 'process extract');
    assert.ok(enqueue && consume, spans.map((s) => s.name).join(', '));
    assert.equal(enqueue.kind, SpanKind.PRODUCER);
    assert.equal(enqueue.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(consume.kind, SpanKind.CONSUMER);
    assert.equal(consume.parentSpanContext?.spanId, enqueue.spanContext().spanId);
    assert.equal(consume.attributes['docat.job_id'], 'job-7');
  });

  test('a step issued from another trace joins the trace stored with its job', async () => {
    const traces: (string | undefined)[] = [];
    let seen!: () => void;
    const handled = new Promise<void>((resolve) => (seen = resolve));
    await queue.work(QUEUES.TRANSLATE, async () => {
      traces.push(trace.getSpan(context.active())?.spanContext().traceId);
      if (traces.length === 3) seen();
    });
    const tracer = trace.getTracer('test');
    // The request that created job A: its trace is what the job row keeps.
    const created = tracer.startSpan('create job A');
    const stored = context.with(trace.setSpan(context.active(), created), () =>
      activeTraceparent(),
    );
    created.end();
    assert.match(stored ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const jobTrace = created.spanContext().traceId;

    // Another job's pass (or a timer with no span at all) issues job A's step.
    const other = tracer.startSpan('step of job B');
    const enqueueA = () =>
      inTrace(stored, () =>
        queue.enqueue(QUEUES.TRANSLATE, makeEnvelope(QUEUES.TRANSLATE, 1, { jobId: 'job-a' })),
      );
    await context.with(trace.setSpan(context.active(), other), enqueueA);
    other.end();
    await enqueueA();
    // Nothing stored (tracing was off when the job was made): the caller's trace stays.
    const third = tracer.startSpan('step of job C');
    await context.with(trace.setSpan(context.active(), third), () =>
      inTrace(null, () =>
        queue.enqueue(QUEUES.TRANSLATE, makeEnvelope(QUEUES.TRANSLATE, 1, { jobId: 'job-c' })),
      ),
    );
    third.end();

    await handled;
    assert.deepEqual(
      [...traces].sort(),
      [jobTrace, jobTrace, third.spanContext().traceId].sort(),
      'both of job A’s steps run in its trace, job C’s in its caller’s',
    );
    // Within the job's own trace the active span stays the parent (finer than the stored one).
    const inside = tracer.startSpan('step of job A', {}, trace.setSpan(context.active(), created));
    const parentOfEnqueue = context.with(trace.setSpan(context.active(), inside), () =>
      inTrace(stored, () => trace.getSpan(context.active())?.spanContext().spanId),
    );
    inside.end();
    assert.equal(parentOfEnqueue, inside.spanContext().spanId);
  });
});
