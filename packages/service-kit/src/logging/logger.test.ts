import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { makeEnvelope } from '@docat/contracts';
import { LOG_FIELDS_KEY, runIncoming, startOutgoing } from '@docat/transport';
import { startTracing } from '../tracing/tracing.js';
import { contextFields, loggableUrl, setupLogging } from './logger.js';

class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

// One logger per process (first call wins), so the whole file shares this sink.
const sink = new Lines();
const logging = setupLogging({ service: 'test', level: 'debug', destination: sink });

describe('log lines', () => {
  test('secret-looking query values are redacted; the rest of the URL is kept', () => {
    assert.equal(loggableUrl('/v1/jobs/abc/result?format=pdf'), '/v1/jobs/abc/result?format=pdf');
    const presigned = loggableUrl(
      '/o/key.pdf?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F&X-Amz-Signature=deadbeef&token=t0k&page=2',
    );
    assert.ok(
      !presigned?.includes('deadbeef') &&
        !presigned?.includes('AKIA') &&
        !presigned?.includes('t0k'),
      presigned,
    );
    assert.match(presigned ?? '', /X-Amz-Signature=\[Redacted\]/);
    assert.match(presigned ?? '', /page=2/);
    assert.equal(loggableUrl('/plain'), '/plain');
  });

  test('secret fields given to a log call are removed; the message and service stay', () => {
    logging.root.info(
      {
        password: 'hunter2',
        user: { token: 'abc', name: 'n' },
        headers: { authorization: 'Bearer x' },
        text: 'Page one of a document',
      },
      'login attempt',
    );
    const line = sink.lines.at(-1)!;
    assert.equal(line['msg'], 'login attempt');
    assert.equal(line['service'], 'test');
    assert.equal(line['level'], 'info');
    const serialized = JSON.stringify(line);
    for (const secret of ['hunter2', '"abc"', 'Bearer x', 'Page one of a document'])
      assert.ok(!serialized.includes(secret), `${secret} leaked: ${serialized}`);
    assert.equal((line['user'] as Record<string, unknown>)['name'], 'n');
  });

  test('lines written inside a handler carry its trace, request, user and job ids; lines outside carry none', async () => {
    await startTracing({ serviceName: 'docat-test', env: {} });
    logging.root.info('outside');
    const outside = sink.lines.at(-1)!;
    assert.equal(outside['traceId'], undefined);
    assert.equal(outside['jobId'], undefined);

    // A sender opens a span and stamps the envelope; the receiver continues it.
    const span = startOutgoing('rpc', 'jobs.get');
    const envelope = span.stamp(
      makeEnvelope('jobs.get', 1, { jobId: 'job-1' }, { requestId: 'req-1', userId: 'user-1' }),
    );
    span.end();
    assert.match(envelope.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const senderTrace = envelope.traceparent!.split('-')[1];
    await runIncoming('rpc', envelope, async () => {
      await new Promise((r) => setTimeout(r, 1));
      logging.nest.log('inside', 'Handler');
    });
    const inside = sink.lines.at(-1)!;
    assert.equal(inside['msg'], 'inside');
    assert.equal(inside['context'], 'Handler');
    assert.equal(inside['traceId'], senderTrace, 'the handler continues the sender’s trace');
    assert.notEqual(inside['spanId'], envelope.traceparent!.split('-')[2], 'in a span of its own');
    assert.equal(inside['requestId'], 'req-1');
    assert.equal(inside['userId'], 'user-1');
    assert.equal(inside['jobId'], 'job-1');
    assert.deepEqual(
      context.active().getValue(LOG_FIELDS_KEY),
      undefined,
      'the fields end with the handler',
    );
    assert.equal(trace.getSpan(context.active()), undefined);
    assert.deepEqual(contextFields(), {});
  });
});
