import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { makeEnvelope, QUEUES } from '@docat/contracts';
import { FsStorage } from '@docat/storage';
import { freshRedisPrefix } from '@docat/testing';
import { bootstrapService, type RunningService } from '../bootstrap.js';
import { createClusterRuntime } from '../cluster-runtime.js';
import type { RuntimeConfig } from '../settings.js';

@Module({})
class EmptyModule {}

describe('readiness while a service drains', () => {
  const redis = freshRedisPrefix();
  let dir: string;
  let service: RunningService;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docat-drain-'));
    const config: RuntimeConfig = {
      mode: 'cluster',
      dataDir: dir,
      http: { port: 0, managementPort: 0 },
      database: { poolMax: 1 },
      redis: { url: redis.url, keyPrefix: redis.prefix.replace(/:$/, '') },
      storage: { driver: 'fs', root: dir },
    };
    service = await bootstrapService({
      service: 'extraction',
      module: EmptyModule,
      runtime: () => createClusterRuntime(config, { storage: new FsStorage(dir) }),
      transport: false,
      managementPort: 0,
      shutdownGraceMs: 5_000,
      exitOnShutdown: false,
    });
  });
  after(async () => {
    await service?.shutdown('test end');
    await redis.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('/readyz turns 503 draining at once while the in-flight job finishes; /healthz stays 200; then the port closes', async () => {
    const base = `http://127.0.0.1:${service.management!.port}`;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    await service.runtime.queue.work(QUEUES.EXTRACT, async () => {
      started();
      await gate;
      finished = true;
    });
    await service.runtime.queue.enqueue(
      QUEUES.EXTRACT,
      makeEnvelope(QUEUES.EXTRACT, 1, { jobId: 'drain-test' }),
    );
    await running;
    assert.equal((await fetch(`${base}/readyz`)).status, 200, 'ready before the stop');

    const stopping = service.shutdown('SIGTERM');
    const draining = await fetch(`${base}/readyz`);
    assert.equal(draining.status, 503);
    assert.equal(((await draining.json()) as { status: string }).status, 'draining');
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'alive while draining');
    assert.equal(finished, false, 'the job is still running');

    release();
    await stopping;
    assert.equal(finished, true, 'the in-flight job finished before the service stopped');
    await assert.rejects(fetch(`${base}/healthz`), 'the management port is closed');
  });
});
