import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { makeEnvelope, QUEUES } from '@docat/contracts';
import { deleteKeysWithPrefix, freshDatabase, redisUrl, type FreshDatabase } from '@docat/testing';
import { BullMqQueue } from './bullmq.queue.js';
import { PgBossQueue } from './pg-boss.queue.js';
import type { QueuePort } from './queue.port.js';

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The operators' view of a queue on each adapter: throughput over a window, the failed
 * list with its errors, and a retry that runs a failed job again.
 */
function adminContract(
  name: string,
  open: () => Promise<{ queue: QueuePort; cleanup(): Promise<void> }>,
): void {
  describe(`${name}: operations`, () => {
    let queue: QueuePort;
    let cleanup: () => Promise<void>;
    const ran = new Map<string, number>();
    let healed = false;

    before(async () => {
      ({ queue, cleanup } = await open());
      await queue.work<{ n: number; fail: boolean }>(
        QUEUES.NOTIFY,
        async (job) => {
          ran.set(job.id, (ran.get(job.id) ?? 0) + 1);
          if (job.data.data.fail && !healed) throw new Error(`job ${job.data.data.n} broke`);
        },
        { concurrency: 4 },
      );
    });

    after(async () => {
      await queue?.stop({ graceMs: 1_000 });
      await cleanup?.();
    });

    test('counts what finished in the window, lists the failed job with its error, retries it', async () => {
      const ids: string[] = [];
      for (let n = 0; n < 3; n++) {
        const { id } = await queue.enqueue(
          QUEUES.NOTIFY,
          makeEnvelope(QUEUES.NOTIFY, 1, { n, fail: n === 2 }),
          { attempts: 1, backoffMs: 100 },
        );
        ids.push(id);
      }
      await until(
        async () =>
          (await queue.depth(QUEUES.NOTIFY)).failed === 1 &&
          (await queue.throughput(QUEUES.NOTIFY, 60_000)).completed === 2,
        'two done, one failed',
      );

      const minute = await queue.throughput(QUEUES.NOTIFY, 60_000);
      assert.deepEqual(minute, { completed: 2, failed: 1 });
      const hour = await queue.throughput(QUEUES.NOTIFY, 3_600_000);
      assert.deepEqual(hour, { completed: 2, failed: 1 });
      await new Promise((r) => setTimeout(r, 1_100));
      assert.deepEqual(
        await queue.throughput(QUEUES.NOTIFY, 1_000),
        { completed: 0, failed: 0 },
        'nothing finished in the last second',
      );

      const failed = await queue.failedJobs(QUEUES.NOTIFY, { limit: 10, offset: 0 });
      assert.equal(failed.total, 1);
      assert.equal(failed.items.length, 1);
      const [item] = failed.items;
      assert.equal(item!.id, ids[2]);
      assert.match(item!.error, /job 2 broke/);
      assert.equal(item!.attempts, 1);
      assert.ok(item!.failedAt instanceof Date && item!.enqueuedAt instanceof Date);
      assert.equal((item!.data as { type?: string }).type, QUEUES.NOTIFY);
      assert.deepEqual((await queue.failedJobs(QUEUES.NOTIFY, { limit: 10, offset: 1 })).items, []);

      assert.equal(
        await queue.retryFailed(QUEUES.NOTIFY, ids[0]!),
        'not_failed',
        'a completed job is not retried',
      );
      assert.equal(
        await queue.retryFailed(QUEUES.NOTIFY, '0190a8f0-0000-7000-8000-000000000000'),
        'not_found',
      );
      healed = true;
      assert.equal(await queue.retryFailed(QUEUES.NOTIFY, ids[2]!), 'retried');
      await until(
        async () => (await queue.depth(QUEUES.NOTIFY)).failed === 0 && ran.get(ids[2]!) === 2,
        'the retried job ran again',
      );
      assert.equal((await queue.failedJobs(QUEUES.NOTIFY, { limit: 10, offset: 0 })).total, 0);
      assert.equal((await queue.throughput(QUEUES.NOTIFY, 60_000)).completed, 3);
    });

    test('removes a failed job for good; a job that has not failed is not removed', async () => {
      healed = false;
      const { id } = await queue.enqueue(
        QUEUES.NOTIFY,
        makeEnvelope(QUEUES.NOTIFY, 1, { n: 9, fail: true }),
        { attempts: 1, backoffMs: 100 },
      );
      await until(
        async () =>
          (await queue.failedJobs(QUEUES.NOTIFY, { limit: 10, offset: 0 })).items.some(
            (j) => j.id === id,
          ),
        'the job failed',
      );
      healed = true;
      assert.equal(
        await queue.removeFailed(QUEUES.NOTIFY, '0190a8f0-0000-7000-8000-000000000000'),
        'not_found',
      );
      assert.equal(await queue.removeFailed(QUEUES.NOTIFY, id), 'removed');
      assert.equal(
        (await queue.failedJobs(QUEUES.NOTIFY, { limit: 10, offset: 0 })).items.some(
          (j) => j.id === id,
        ),
        false,
        'still listed as failed',
      );
      assert.equal(
        await queue.retryFailed(QUEUES.NOTIFY, id),
        'not_found',
        'a removed job cannot be retried',
      );
      assert.equal(ran.get(id), 1, 'the removed job never ran again');
    });
  });
}

adminContract('BullMqQueue', async () => {
  const url = redisUrl();
  const keyPrefix = `docat-test-${randomBytes(6).toString('hex')}`;
  return {
    queue: new BullMqQueue({ redis: url, keyPrefix }),
    cleanup: async () => {
      await deleteKeysWithPrefix(url, `{${keyPrefix}:`);
    },
  };
});

let db: FreshDatabase | undefined;
adminContract('PgBossQueue', async () => {
  db = await freshDatabase();
  const queue = new PgBossQueue({
    connectionString: db.url,
    schema: `q_${randomBytes(6).toString('hex')}`,
    pollingIntervalMs: 500,
  });
  return {
    queue,
    cleanup: async () => {
      await db?.drop();
    },
  };
});
