import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { contextFields, startTracing, traceHttpRequests } from '@docat/service-kit';

/**
 * The request context when nothing exports spans (`recording: false`): made only when
 * something reads it, and then what the eager path gives: the caller's trace continued in
 * a span of its own, the request id, and the user and job read when the line is written.
 */
async function server(recording: boolean): Promise<FastifyInstance> {
  const tracing = await startTracing({ serviceName: 'test', env: {} });
  assert.equal(tracing.exporting, false);
  const app = Fastify({ logger: false });
  traceHttpRequests(app, { recording });
  app.get('/v1/jobs/:id', (request, reply) => {
    (request as unknown as { user: { id: string } }).user = { id: 'user-7' };
    void reply.send({ ...contextFields(), id: request.id });
  });
  app.get('/quiet', (_request, reply) => {
    // Answers without reading the context: nothing is made.
    void reply.send({ ok: true });
  });
  await app.ready();
  return app;
}

const JOB = '0190a3c2-0000-7000-8000-000000000001';

describe('HTTP request context without an exporter', () => {
  for (const recording of [false, true]) {
    test(`${recording ? 'eager' : 'lazy'}: continues the caller's trace, with request, user and job ids`, async () => {
      const app = await server(recording);
      try {
        const traceId = 'a'.repeat(31) + '1';
        const parentSpan = 'b'.repeat(15) + '2';
        const res = await app.inject({
          url: `/v1/jobs/${JOB}`,
          headers: { traceparent: `00-${traceId}-${parentSpan}-01` },
        });
        const fields = res.json<Record<string, string>>();
        assert.equal(fields['traceId'], traceId);
        assert.match(fields['spanId'] ?? '', /^[0-9a-f]{16}$/);
        assert.notEqual(fields['spanId'], parentSpan, 'a span of its own');
        assert.equal(fields['requestId'], fields['id']);
        assert.equal(fields['userId'], 'user-7', 'read when the line is written');
        assert.equal(fields['jobId'], JOB);

        const fresh = await app.inject({ url: `/v1/jobs/${JOB}` });
        const other = fresh.json<Record<string, string>>();
        assert.match(other['traceId'] ?? '', /^[0-9a-f]{32}$/);
        assert.notEqual(other['traceId'], traceId, 'no traceparent: a new trace');
        assert.equal((await app.inject({ url: '/quiet' })).statusCode, 200);
      } finally {
        await app.close();
      }
    });
  }
});
