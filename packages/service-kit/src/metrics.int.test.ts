import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { makeEnvelope, QUEUES } from '@docat/contracts';
import { FsStorage } from '@docat/storage';
import { freshRedisPrefix } from '@docat/testing';
import { bootstrapService, type RunningService } from './bootstrap.js';
import { createClusterRuntime } from './cluster-runtime.js';
import type { QueuePort } from './ports.js';
import type { RuntimeConfig } from './settings.js';
import { QUEUE } from './tokens.js';

let release: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (release = resolve));
let started: () => void = () => undefined;
const firstStarted = new Promise<void>((resolve) => (started = resolve));

/** Works the notify queue one job at a time, holding each until the test releases them. */
@Injectable()
class HeldWorker implements OnApplicationBootstrap {
  constructor(@Inject(QUEUE) private readonly queue: QueuePort) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.work(
      QUEUES.NOTIFY,
      async () => {
        started();
        await gate;
      },
      { concurrency: 1 },
    );
  }
}

@Module({ providers: [HeldWorker] })
class HeldWorkerModule {}

function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics on the management port', () => {
  const redis = freshRedisPrefix();
  let dir: string;
  let service: RunningService;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docat-metrics-'));
    const config: RuntimeConfig = {
      mode: 'cluster',
      dataDir: dir,
      http: { port: 0, managementPort: 0 },
      database: { poolMax: 2 },
      redis: { url: redis.url, keyPrefix: redis.prefix.replace(/:$/, '') },
      storage: { driver: 'fs', root: dir },
    };
    service = await bootstrapService({
      service: 'notification',
      module: HeldWorkerModule,
      runtime: () => createClusterRuntime(config, { storage: new FsStorage(dir) }),
      transport: false,
      claims: { queues: [QUEUES.NOTIFY] },
      managementPort: 0,
      exitOnShutdown: false,
    });
  });

  after(async () => {
    release();
    await service?.shutdown('test end');
    await redis.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('reports the depth and workers of the queues the process works, read at scrape time', async () => {
    for (let i = 0; i < 3; i++) {
      await service.runtime.queue.enqueue(QUEUES.NOTIFY, makeEnvelope(QUEUES.NOTIFY, 1, { n: i }));
    }
    await firstStarted;
    const response = await fetch(`http://127.0.0.1:${service.management!.port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    // One running, two waiting behind it (concurrency 1).
    assert.equal(metricValue(text, 'docat_queue_depth{queue="notify"}'), 3);
    assert.ok(
      (metricValue(text, 'docat_queue_workers_alive{queue="notify"}') ?? 0) >= 1,
      'a live worker is counted',
    );
    assert.ok((metricValue(text, 'docat_process_resident_memory_bytes') ?? 0) > 0);
    assert.equal(
      metricValue(text, 'docat_queue_depth{queue="extract"}'),
      undefined,
      'queues this process does not work are not reported',
    );
  });
});
