import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Inject, Module } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { DocatError, RPC } from '@docat/contracts';
import { MessageContext } from '@docat/transport';
import { FsStorage } from '@docat/storage';
import { freshRedisPrefix } from '@docat/testing';
import { bootstrapService, type RunningService } from './bootstrap.js';
import { createClusterRuntime } from './cluster-runtime.js';
import { parseOrThrow } from './errors/validate.js';
import { RpcHandler, type RpcPayload } from './rpc/rpc-handler.js';
import type { CachePort } from './cache/cache.port.js';
import type { RuntimeConfig } from './settings.js';
import { CACHE } from './tokens.js';

@Controller()
class EchoController {
  constructor(@Inject(CACHE) private readonly cache: CachePort) {}

  @MessagePattern('jobs.get')
  async echo(@Payload() data: unknown): Promise<{ echoed: string; cached: string | null }> {
    const { text } = parseOrThrow(z.object({ text: z.string() }), data);
    if (text === 'missing') throw new DocatError('NOT_FOUND', 'no such thing');
    if (text === 'crash') throw new Error('secret internals');
    await this.cache.set('last', text, 10_000);
    return { echoed: text, cached: await this.cache.get('last') };
  }
}

/** A handler whose payload its RPC contract parses before it runs. */
@Controller()
class ContractController {
  @RpcHandler(RPC.JOBS_CANCEL)
  cancel(
    @Payload() req: RpcPayload<typeof RPC.JOBS_CANCEL>,
    @Ctx() ctx: MessageContext,
  ): { userId: string; jobId: string; keys: string[]; hasContext: boolean } {
    return {
      userId: req.userId,
      jobId: req.jobId,
      keys: Object.keys(req).sort(),
      hasContext: ctx instanceof MessageContext && ctx.getPattern() === RPC.JOBS_CANCEL,
    };
  }
}

@Module({ controllers: [EchoController, ContractController] })
class EchoModule {}

describe('bootstrapService on the cluster runtime', () => {
  const redis = freshRedisPrefix();
  let dir: string;
  let service: RunningService;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docat-kit-'));
    const config: RuntimeConfig = {
      mode: 'cluster',
      dataDir: dir,
      http: { port: 0, managementPort: 0 },
      database: { poolMax: 2 },
      redis: { url: redis.url, keyPrefix: redis.prefix.replace(/:$/, '') },
      storage: { driver: 'fs', root: dir },
    };
    service = await bootstrapService({
      service: 'ingestion',
      module: EchoModule,
      runtime: () => createClusterRuntime(config, { storage: new FsStorage(dir) }),
      claims: { patterns: ['jobs.get', 'jobs.cancel'] },
      managementPort: 0,
      exitOnShutdown: false,
    });
  });

  after(async () => {
    await service?.shutdown('test end');
    await redis.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('sets the process title and answers RPC through the transport with injected adapters', async () => {
    assert.equal(process.title, 'docat-ingestion');
    const reply = await service.runtime.bus.call<{ echoed: string; cached: string | null }>(
      'jobs.get',
      { text: 'hi' },
      { timeoutMs: 5_000 },
    );
    assert.deepEqual(reply, { echoed: 'hi', cached: 'hi' });
  });

  test('errors cross the bus as DocatError; validation and unknown errors are mapped', async () => {
    await assert.rejects(
      service.runtime.bus.call('jobs.get', { text: 'missing' }, { timeoutMs: 5_000 }),
      (err: unknown) => err instanceof DocatError && err.code === 'NOT_FOUND',
    );
    await assert.rejects(
      service.runtime.bus.call('jobs.get', { text: 7 }, { timeoutMs: 5_000 }),
      (err: unknown) => err instanceof DocatError && err.code === 'VALIDATION_FAILED',
    );
    await assert.rejects(
      service.runtime.bus.call('jobs.get', { text: 'crash' }, { timeoutMs: 5_000 }),
      (err: unknown) =>
        err instanceof DocatError && err.code === 'INTERNAL' && !err.message.includes('secret'),
    );
  });

  test('@RpcHandler parses the payload with the pattern contract and leaves @Ctx alone', async () => {
    const reply = await service.runtime.bus.call(
      RPC.JOBS_CANCEL,
      { userId: 'u1', jobId: 'j1', extra: 'dropped' },
      { timeoutMs: 5_000 },
    );
    assert.deepEqual(reply, {
      userId: 'u1',
      jobId: 'j1',
      keys: ['jobId', 'userId'],
      hasContext: true,
    });
    const bad = { userId: 'u1', jobId: 'x'.repeat(65) };
    const expected = (() => {
      try {
        parseOrThrow(z.object({ userId: z.string(), jobId: z.string().max(64) }), bad);
      } catch (err) {
        return err as DocatError;
      }
      throw new Error('the schema accepted a 65-character job id');
    })();
    await assert.rejects(
      service.runtime.bus.call(RPC.JOBS_CANCEL, bad, { timeoutMs: 5_000 }),
      (err: unknown) => {
        assert.ok(err instanceof DocatError);
        assert.equal(err.code, 'VALIDATION_FAILED');
        assert.deepEqual(err.errors, expected.errors);
        assert.equal(err.message, expected.message);
        assert.deepEqual(
          err.errors?.map((e) => e.path),
          ['jobId'],
        );
        return true;
      },
    );
  });

  test('serves /healthz and /readyz on the management port', async () => {
    const base = `http://127.0.0.1:${service.management!.port}`;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${base}/readyz`);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    assert.equal(ready.status, 200, JSON.stringify(body));
    assert.deepEqual(Object.keys(body.checks).sort(), ['redis', 'storage']);
  });

  test('a claimed pattern without a handler fails the boot', async () => {
    await assert.rejects(
      bootstrapService({
        service: 'notification',
        module: EchoModule,
        runtime: () =>
          createClusterRuntime(
            {
              mode: 'cluster',
              dataDir: dir,
              http: { port: 0, managementPort: 0 },
              database: { poolMax: 1 },
              redis: { url: redis.url, keyPrefix: redis.prefix.replace(/:$/, '') },
              storage: { driver: 'fs', root: dir },
            },
            { storage: new FsStorage(dir) },
          ),
        claims: { patterns: ['notify.events'] },
        managementPort: null,
        exitOnShutdown: false,
      }),
      /no handler for pattern notify.events/,
    );
  });
});
