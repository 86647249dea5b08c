import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useCluster, type ClusterLease } from '@docat/testing';

interface Health {
  status: string;
  checks: {
    database: { status: string };
    redis: { status: string };
    workers: { status: string; queues: Record<string, number | null> };
    engines: { status: string; available: string[]; unavailable: string[] };
    storage: { status: string };
    ocr: { status: string; engine: string | null; choice?: string };
  };
  timestamp: string;
}

describe('GET /health: the aggregate health through the gateway', () => {
  let lease: ClusterLease;

  before(async () => {
    lease = await useCluster();
  });
  after(async () => {
    await lease?.release();
  });

  test('every check is up with every service running; workers are counted per queue; answers are cached briefly', async () => {
    const gateway = lease.cluster.gateways[0]!;
    const res = await fetch(`${gateway}/health`);
    const body = (await res.json()) as Health;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ok');
    assert.equal(body.checks.database.status, 'up');
    assert.equal(body.checks.redis.status, lease.cluster.target === 'cluster' ? 'up' : 'not-used');
    assert.equal(body.checks.storage.status, 'up');
    assert.equal(body.checks.engines.status, 'up');
    assert.ok(
      body.checks.engines.available.includes('pseudo'),
      JSON.stringify(body.checks.engines),
    );
    assert.equal(body.checks.workers.status, 'up');
    // The extraction service publishes the OCR engine it chose at start.
    assert.equal(body.checks.ocr.status, 'up', JSON.stringify(body.checks.ocr));
    assert.ok(['native', 'tesseract-js'].includes(body.checks.ocr.engine ?? ''));
    for (const queue of ['extract', 'translate', 'render', 'notify'])
      assert.ok(
        (body.checks.workers.queues[queue] ?? 0) >= 1,
        `${queue}: ${JSON.stringify(body.checks.workers.queues)}`,
      );
    // A poll right after is served from the cache: the same evaluation, the same timestamp.
    const again = (await (await fetch(`${gateway}/health`)).json()) as Health;
    assert.equal(again.timestamp, body.timestamp);
  });
});
