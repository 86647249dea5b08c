import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsStorage } from '@docat/storage';
import { freshRedisPrefix } from '@docat/testing';
import { createClusterRuntime } from './cluster-runtime.js';
import type { Runtime } from './runtime.js';
import type { RuntimeConfig } from './settings.js';

describe('the request limiter of the cluster runtime', () => {
  const redis = freshRedisPrefix();
  let dir: string;
  const pods: Runtime[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docat-limiter-'));
    const config: RuntimeConfig = {
      mode: 'cluster',
      dataDir: dir,
      http: { port: 0, managementPort: 0 },
      database: { poolMax: 1 },
      redis: { url: redis.url, keyPrefix: redis.prefix.replace(/:$/, '') },
      storage: { driver: 'fs', root: dir },
    };
    for (let i = 0; i < 2; i++)
      pods.push(await createClusterRuntime(config, { storage: new FsStorage(dir) }));
  });

  after(async () => {
    for (const pod of pods) await pod.close();
    await redis.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test("two pods share an engine's concurrency: the second waits until the first releases", async () => {
    const limit = { concurrency: 1, requests: 100, perMs: 60_000 };
    const first = await pods[0]!.requestLimiter.acquire('engine:openai', limit);
    let secondAdmitted = false;
    const second = pods[1]!.requestLimiter.acquire('engine:openai', limit).then((lease) => {
      secondAdmitted = true;
      return lease;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(secondAdmitted, false, 'the other pod is held while the slot is taken');
    await first.release();
    const lease = await second;
    assert.equal(secondAdmitted, true);
    await lease.release();
  });
});
