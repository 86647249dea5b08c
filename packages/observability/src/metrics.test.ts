import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpRequests, jobDuration, metricsText, queueDepth } from './metrics.js';

test('metrics are exposed in the Prometheus text format under docat_ names', async () => {
  httpRequests.inc({ method: 'GET', route: '/v1/jobs/:id', status: '200' });
  jobDuration.observe({ state: 'completed' }, 42);
  queueDepth.set({ queue: 'extract' }, 7);
  const { body, contentType } = await metricsText();
  assert.match(contentType, /^text\/plain/);
  assert.match(
    body,
    /docat_http_requests_total\{method="GET",route="\/v1\/jobs\/:id",status="200"\} 1/,
  );
  assert.match(body, /docat_job_duration_seconds_bucket\{le="60",state="completed"\} 1/);
  assert.match(body, /docat_queue_depth\{queue="extract"\} 7/);
  assert.match(body, /docat_process_resident_memory_bytes \d+/);
  for (const line of body.split('\n').filter((l) => l && !l.startsWith('#'))) {
    assert.match(line, /^docat_/, line);
  }
});
