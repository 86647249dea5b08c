import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENTS, RPC, uuidv7, type JobEvent } from '@docat/contracts';
import { startNotificationStack, type NotificationStack } from '../testing/notification.stack.js';
import { GAP_WAIT_MS } from './job-events.service.js';

function progress(jobId: string, seq: number): JobEvent {
  return {
    jobId,
    seq,
    type: 'progress',
    state: 'processing',
    stage: 'extract',
    progress: { percent: seq, stages: { extract: { done: seq, total: 100, unit: 'pages' } } },
    at: new Date().toISOString(),
  };
}

/**
 * Job events are published after the commits that number them, possibly by different
 * ingestion replicas, so they can arrive out of order; the stream must still hold them
 * all, in seq order.
 */
describe('job event log: out-of-order arrivals', () => {
  let stack: NotificationStack;
  const emit = (event: JobEvent) =>
    stack.service.runtime.bus.emit(EVENTS.JOB_PROGRESS, event, { context: { userId: 'u' } });
  const stored = async (jobId: string) =>
    (
      await stack.service.runtime.bus.call<{ events: JobEvent[] }>(
        RPC.NOTIFY_EVENTS,
        { jobId, afterSeq: 0, limit: 100 },
        { timeoutMs: 10_000 },
      )
    ).events.map((e) => e.seq);
  const until = async (jobId: string, count: number, ms: number) => {
    const deadline = Date.now() + ms;
    let seqs = await stored(jobId);
    while (seqs.length < count && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seqs = await stored(jobId);
    }
    return seqs;
  };

  before(async () => {
    stack = await startNotificationStack({});
  });

  after(async () => {
    await stack?.stop();
  });

  test('an event that overtakes its predecessor waits for it: the stream holds 1..5 in order, none dropped', async () => {
    const jobId = uuidv7();
    await emit(progress(jobId, 1));
    assert.deepEqual(await until(jobId, 1, 5_000), [1]);
    const started = Date.now();
    await emit(progress(jobId, 3));
    await emit(progress(jobId, 5));
    await new Promise((r) => setTimeout(r, 200));
    await emit(progress(jobId, 4));
    await emit(progress(jobId, 2));
    await emit(progress(jobId, 2)); // a redelivery is still stored once
    assert.deepEqual(await until(jobId, 5, 5_000), [1, 2, 3, 4, 5]);
    assert.ok(
      Date.now() - started < GAP_WAIT_MS,
      'filled by the missing event, not by the timeout',
    );
  });

  test('a predecessor that never comes holds its successor back for a bounded time only', async () => {
    const jobId = uuidv7();
    await emit(progress(jobId, 1));
    assert.deepEqual(await until(jobId, 1, 5_000), [1]);
    const started = Date.now();
    await emit(progress(jobId, 3));
    assert.deepEqual(await until(jobId, 2, GAP_WAIT_MS + 5_000), [1, 3]);
    assert.ok(Date.now() - started >= GAP_WAIT_MS - 100, `stored after ${Date.now() - started} ms`);
  });
});
