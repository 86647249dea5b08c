import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  QUEUE_NAMES,
  QUEUES,
  makeEnvelope,
  type Envelope,
  type FailedQueueJobList,
  type QueuesOverview,
} from '@docat/contracts';
import { BullMqQueue } from '@docat/queue';
import {
  E2E_ADMIN,
  clusterOnly,
  corpusFile,
  requireCorpus,
  useCluster,
  type ClusterLease,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('issue16538.pdf');

describe('admin queue endpoints', { skip: corpus.skip }, () => {
  let lease: ClusterLease;
  let user: DocatApi;
  let admin: DocatApi;

  before(async () => {
    lease = await useCluster();
    user = new DocatApi(lease.cluster.gateways);
    await user.registerFresh();
    admin = new DocatApi(lease.cluster.gateways);
    const login = await admin.request<{ accessToken: string }>('POST', '/v1/auth/login', {
      json: E2E_ADMIN,
      auth: false,
    });
    assert.equal(
      login.status,
      200,
      `the configured administrator signs in: ${JSON.stringify(login.body)}`,
    );
    admin.token = login.body.accessToken;
  });
  after(() => lease?.release());

  test('only admins get in', async () => {
    for (const path of ['/v1/admin/queues', '/v1/admin/queues/notify/failed']) {
      const res = await user.request<{ code: string }>('GET', path);
      assert.equal(res.status, 403, path);
      assert.equal(res.body.code, 'FORBIDDEN');
      assert.equal((await user.request('GET', path, { auth: false })).status, 401);
    }
    const retry = await user.request<{ code: string }>(
      'POST',
      `/v1/admin/queues/notify/failed/0190a8f0-0000-7000-8000-000000000000/retry`,
    );
    assert.equal(retry.status, 403);
  });

  test('every queue with its backlog, workers and throughput; a processed document shows in the last hour', async () => {
    const upload = await user.uploadFile(corpusFile('issue16538.pdf'), { outputs: 'md' });
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const job = await user.waitFinished(upload.body.id);
    assert.equal(job.state, 'completed', JSON.stringify(job.error));

    const res = await admin.request<QueuesOverview>('GET', '/v1/admin/queues');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.items.map((q) => q.name),
      [...QUEUE_NAMES],
    );
    const byName = new Map(res.body.items.map((q) => [q.name, q]));
    for (const name of [QUEUES.EXTRACT, QUEUES.TRANSLATE, QUEUES.RENDER]) {
      const q = byName.get(name)!;
      assert.ok(q.workers >= 1, `${name} has workers: ${JSON.stringify(q)}`);
      assert.ok(
        q.throughput.lastHour.completed >= 1,
        `${name} finished work in the last hour: ${JSON.stringify(q)}`,
      );
      assert.ok(q.throughput.lastHour.completed >= q.throughput.lastMinute.completed);
    }
    // Its owner deletes it for good: gone from every route and the history; a stranger cannot.
    const stranger = new DocatApi(lease.cluster.gateways);
    await stranger.registerFresh();
    assert.equal((await stranger.request('POST', `/v1/jobs/${upload.body.id}/erase`)).status, 404);
    const erased = await user.request<{ id: string; objects: number }>(
      'POST',
      `/v1/jobs/${upload.body.id}/erase`,
    );
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    assert.ok(
      erased.body.objects >= 2,
      `results and upload deleted: ${JSON.stringify(erased.body)}`,
    );
    assert.equal((await user.request('GET', `/v1/jobs/${upload.body.id}`)).status, 404);
    assert.equal(
      (await user.request('GET', `/v1/jobs/${upload.body.id}/result?format=md`)).status,
      404,
    );
    const history = await user.request<{ items: { id: string }[] }>('GET', '/v1/jobs');
    assert.equal(
      history.body.items.some((j) => j.id === upload.body.id),
      false,
      'the deleted job is still in the history',
    );
    assert.equal((await user.request('POST', `/v1/jobs/${upload.body.id}/erase`)).status, 404);

    // The next retention sweep waits on the maintenance queue.
    assert.ok(
      byName.get(QUEUES.MAINTENANCE)!.delayed >= 1,
      JSON.stringify(byName.get(QUEUES.MAINTENANCE)),
    );
    assert.ok(Date.parse(res.body.at) > 0);
  });

  test(
    'a failed job is listed with its error and retried (cluster only: puts a broken job on the queue)',
    { skip: clusterOnly() },
    async () => {
      const queue = new BullMqQueue({
        redis: lease.cluster.redisUrl,
        keyPrefix: `${lease.cluster.redisPrefix}:q`,
      });
      try {
        // An envelope without its metadata: the worker refuses it for good on the first run.
        const broken = {
          ...makeEnvelope(QUEUES.NOTIFY, 1, { deliveryId: 'x' }),
          version: 'one',
        } as unknown as Envelope<unknown>;
        const { id } = await queue.enqueue(QUEUES.NOTIFY, broken, { attempts: 1 });
        const find = async () => {
          const list = await admin.request<FailedQueueJobList>(
            'GET',
            '/v1/admin/queues/notify/failed?limit=100',
          );
          assert.equal(list.status, 200, JSON.stringify(list.body));
          return list.body.items.find((j) => j.id === id);
        };
        const deadline = Date.now() + 20_000;
        let failed = await find();
        while (!failed && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          failed = await find();
        }
        assert.ok(failed, 'the broken job is listed as failed');
        assert.equal(failed.queue, 'notify');
        assert.equal(failed.type, QUEUES.NOTIFY);
        assert.match(failed.error, /envelope/);
        assert.ok(failed.failedAt && failed.enqueuedAt);

        const retried = await admin.request<{ state: string }>(
          'POST',
          `/v1/admin/queues/notify/failed/${id}/retry`,
        );
        assert.equal(retried.status, 202, JSON.stringify(retried.body));
        assert.equal(retried.body.state, 'waiting');
        // It runs again (and, still broken, fails again later than before).
        const first = Date.parse(failed.failedAt!);
        let again = await find();
        while ((!again || Date.parse(again.failedAt!) <= first) && Date.now() < deadline + 20_000) {
          await new Promise((r) => setTimeout(r, 200));
          again = await find();
        }
        assert.ok(again && Date.parse(again.failedAt!) > first, 'the retried job ran again');

        // Removed for good: no longer listed, and nothing left to retry.
        const removed = await admin.request<{ state: string }>(
          'POST',
          `/v1/admin/queues/notify/failed/${id}/remove`,
        );
        assert.equal(removed.status, 200, JSON.stringify(removed.body));
        assert.equal(removed.body.state, 'removed');
        assert.equal(await find(), undefined, 'the removed job is still listed');
        assert.equal(
          (await admin.request('POST', `/v1/admin/queues/notify/failed/${id}/retry`)).status,
          404,
        );
        assert.equal(
          (await user.request('POST', `/v1/admin/queues/notify/failed/${id}/remove`)).status,
          403,
        );

        const notFound = await admin.request<{ code: string }>(
          'POST',
          '/v1/admin/queues/notify/failed/0190a8f0-0000-7000-8000-000000000000/retry',
        );
        assert.equal(notFound.status, 404);
        assert.equal((await admin.request('GET', '/v1/admin/queues/nope/failed')).status, 404);
        assert.equal(
          (await admin.request('POST', '/v1/admin/queues/notify/failed/not-an-id/retry')).status,
          400,
          'a malformed id is VALIDATION_FAILED',
        );
        assert.equal(
          (await admin.request('GET', '/v1/admin/queues/notify/failed?limit=0')).status,
          400,
        );
      } finally {
        await queue.stop();
      }
    },
  );
});
