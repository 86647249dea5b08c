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
});
