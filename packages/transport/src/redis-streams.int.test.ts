import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Ctx,
  EventPattern,
  MessagePattern,
  Payload,
  type MessageHandler,
} from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { Redis } from 'ioredis';
import { DocatError, EVENTS } from '@docat/contracts';
import { deleteKeysWithPrefix, freshRedisPrefix } from '@docat/testing';
import { createBusClient, type BusClient } from './bus-client.js';
import { DocatRpcExceptionFilter } from './docat-rpc-exception.filter.js';
import { StreamKeys } from './keys.js';
import { HEARTBEAT_SCRIPT } from './lua.js';
import { MessageContext } from './message.context.js';
import { RedisStreamsClient } from './redis-streams.client.js';
import { RedisStreamsServer, type RedisStreamsServerOptions } from './redis-streams.server.js';

const fresh = freshRedisPrefix();
const REDIS_URL = fresh.url;
// StreamKeys adds the separator itself.
const PREFIX = fresh.prefix.replace(/:$/, '');
const keys = new StreamKeys(PREFIX);
const redis = new Redis(REDIS_URL);
const closers: (() => Promise<unknown>)[] = [];

type Handler = (data: unknown, ctx: MessageContext) => Promise<unknown>;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function startServer(
  options: Partial<RedisStreamsServerOptions> & { service: string },
  handlers: Record<string, Handler>,
  events: Record<string, Handler> = {},
): Promise<RedisStreamsServer> {
  const server = new RedisStreamsServer({
    url: REDIS_URL,
    prefix: PREFIX,
    trimIntervalMs: 0,
    ...options,
  });
  for (const [pattern, fn] of Object.entries(handlers))
    server.addHandler(pattern, fn as MessageHandler);
  for (const [event, fn] of Object.entries(events))
    server.addHandler(event, fn as MessageHandler, true);
  await new Promise<void>((resolve, reject) =>
    server.listen((err) => (err ? reject(err) : resolve())),
  );
  closers.push(() => server.close());
  return server;
}

function newClient(prefix = PREFIX): { proxy: RedisStreamsClient; bus: BusClient } {
  const proxy = new RedisStreamsClient({ url: REDIS_URL, prefix, timeoutMs: 5_000 });
  closers.push(() => proxy.close());
  return { proxy, bus: createBusClient(proxy) };
}

function countInto(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

async function expectDocatError(promise: Promise<unknown>, code: string): Promise<DocatError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DocatError, `expected a DocatError, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected ${code}, the call succeeded`);
}

// Shared by the decorated controllers below: side effects counted per request.
const benchCounts = new Map<string, number>();
const benchEnvelopes = new Map<string, number>();
const benchPerReplica = new Map<string, number>();

@Controller()
class BenchController {
  private readonly replica = randomBytes(4).toString('hex');

  @MessagePattern('bench.count')
  count(@Payload() data: { n: number }, @Ctx() ctx: MessageContext): { n: number } {
    countInto(benchCounts, String(data.n));
    countInto(benchEnvelopes, ctx.getEnvelope().id);
    countInto(benchPerReplica, this.replica);
    return { n: data.n };
  }

  @MessagePattern('bench.whoami')
  whoami(@Ctx() ctx: MessageContext): {
    requestId?: string;
    traceparent?: string;
    userId?: string;
  } {
    const { requestId, traceparent, userId } = ctx.getEnvelope();
    return { requestId, traceparent, userId };
  }

  @MessagePattern('bench.fail-typed')
  failTyped(): never {
    throw new DocatError('PDF_CORRUPT', 'the xref table is broken');
  }

  @MessagePattern('bench.fail-plain')
  failPlain(): never {
    throw new Error('secret database password in a stack');
  }

  @EventPattern(EVENTS.CHUNK_STEP_DONE)
  stepDone(@Payload() data: { n: number }): void {
    countInto(benchCounts, `event:${data.n}`);
  }
}

@Module({ controllers: [BenchController] })
class BenchModule {}

async function startNestReplica(name: string): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(BenchModule, {
    strategy: new RedisStreamsServer({
      url: REDIS_URL,
      prefix: PREFIX,
      service: 'bench',
      consumer: name,
      trimIntervalMs: 0,
      requiredPatterns: ['bench.count', 'bench.whoami'],
    }),
    logger: false,
  });
  app.useGlobalFilters(new DocatRpcExceptionFilter());
  await app.listen();
  closers.push(() => app.close());
  return app;
}

describe('RedisStreamsServer and RedisStreamsClient (real Redis)', () => {
  before(async () => {
    await redis.ping();
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await fresh.cleanup();
    await redis.quit();
  });

  test('1. two replicas through decorated controllers: 1,000 requests, each handled exactly once', async () => {
    await startNestReplica('replica-a');
    await startNestReplica('replica-b');
    const { bus } = newClient();
    const total = 1_000;
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: total }, (_, n) =>
        bus.call<{ n: number }>('bench.count', { n }, { timeoutMs: 20_000 }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    assert.deepEqual(
      replies.map((r) => r.n),
      Array.from({ length: total }, (_, n) => n),
    );
    const handledOnce = [...benchCounts.entries()].filter(
      ([k, v]) => !k.startsWith('event:') && v === 1,
    ).length;
    assert.equal(handledOnce, total);
    assert.equal(
      [...benchCounts.values()].reduce((a, b) => a + b, 0),
      total,
    );
    assert.equal(benchEnvelopes.size, total, 'every envelope was handled once');
    const split = [...benchPerReplica.values()];
    assert.equal(split.length, 2, 'both replicas took requests');
    console.log(
      `exactly-once: ${total} requests over 2 replicas in ${seconds.toFixed(2)} s = ` +
        `${Math.round(total / seconds)} req/s; handled exactly once: ${handledOnce}/${total}; ` +
        `split ${split.join('/')}`,
    );
  });

  test('8. typed errors cross the wire; envelope context reaches the handler', async () => {
    const { bus } = newClient();
    const typed = await expectDocatError(bus.call('bench.fail-typed', {}), 'PDF_CORRUPT');
    assert.equal(typed.message, 'the xref table is broken');
    const plain = await expectDocatError(bus.call('bench.fail-plain', {}), 'INTERNAL');
    assert.doesNotMatch(plain.message, /secret/);
    const context = {
      requestId: 'req-42',
      userId: 'user-7',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    assert.deepEqual(await bus.call('bench.whoami', {}, { context }), context);
  });

  test('boot check: a required pattern without a handler fails listen()', async () => {
    const server = new RedisStreamsServer({
      url: REDIS_URL,
      prefix: PREFIX,
      service: 'boot',
      requiredPatterns: ['boot.missing'],
    });
    await assert.rejects(
      new Promise<void>((resolve, reject) =>
        server.listen((err) => (err ? reject(err) : resolve())),
      ),
      /no handler registered for: boot\.missing/,
    );
    await server.close();
  });

  test('2. a replica killed mid-handler: its pending requests are completed by the other', async () => {
    const service = 'kill';
    const claimIdleMs = 600;
    const fixture = fileURLToPath(new URL('./redis-streams.replica.fixture.js', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, [fixture], {
      env: {
        ...process.env,
        REDIS_URL,
        TRANSPORT_PREFIX: PREFIX,
        TRANSPORT_SERVICE: service,
        CLAIM_IDLE_MS: String(claimIdleMs),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    closers.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', () => reject(new Error('the replica exited before it was ready')));
    });

    const { bus } = newClient();
    const total = 5;
    const calls = Array.from({ length: total }, (_, n) =>
      bus.call<{ n: number; by: string }>(`${service}.work`, { n }, { timeoutMs: 8_000 }),
    );
    await waitFor(
      async () => (await redis.llen(`${PREFIX}:started-by-fixture`)) === total,
      5_000,
      'the child to start all requests',
    );
    child.kill('SIGKILL');
    await exited;

    const completions = new Map<string, number>();
    const killedAt = Date.now();
    await startServer(
      { service, consumer: 'survivor', claimIdleMs },
      {
        [`${service}.work`]: async (data) => {
          const n = String((data as { n: number }).n);
          countInto(completions, n);
          return { n: Number(n), by: 'survivor' };
        },
      },
    );
    const replies = await Promise.all(calls);
    const recoveredInMs = Date.now() - killedAt;
    assert.deepEqual(
      replies.map((r) => r.by),
      Array(total).fill('survivor'),
    );
    assert.deepEqual([...completions.values()], Array(total).fill(1));
    assert.equal(completions.size, total);
    console.log(
      `killed replica: ${total} pending requests completed by the survivor ${recoveredInMs} ms after the kill (claimIdleMs ${claimIdleMs})`,
    );
  });

  test('3. a handler slower than the claim timeout is not run twice', async () => {
    const runs = new Map<string, number>();
    const slow: Handler = async (_data, ctx) => {
      countInto(runs, ctx.getEnvelope().id);
      await sleep(1_500);
      return 'done';
    };
    const opts = { service: 'slow', claimIdleMs: 300 };
    await startServer({ ...opts, consumer: 'slow-a' }, { 'slow.run': slow });
    await startServer({ ...opts, consumer: 'slow-b' }, { 'slow.run': slow });
    const { bus } = newClient();
    const replies = await Promise.all(
      [1, 2, 3].map(() => bus.call('slow.run', {}, { timeoutMs: 6_000 })),
    );
    assert.deepEqual(replies, ['done', 'done', 'done']);
    assert.equal(runs.size, 3);
    assert.deepEqual([...runs.values()], [1, 1, 1]);
  });

  test('4. a request whose deadline passed while queued is never executed', async () => {
    let executed = 0;
    const { bus } = newClient();
    await expectDocatError(bus.call('late.run', {}, { timeoutMs: 300 }), 'DEADLINE_EXCEEDED');
    await startServer(
      { service: 'late', claimIdleMs: 300 },
      {
        'late.run': async () => {
          executed += 1;
          return 'ran';
        },
      },
    );
    const stream = keys.rpc('late');
    // The server read the entry (the group moved past it) and acknowledged it unexecuted.
    await waitFor(
      async () => {
        const groups = (await redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
        const info = groups[0] ?? [];
        return (
          info[info.indexOf('entries-read') + 1] === 1 && info[info.indexOf('pending') + 1] === 0
        );
      },
      3_000,
      'the expired request to be read and acknowledged',
    );
    assert.equal(executed, 0);
    assert.equal(await bus.call('late.run', {}), 'ran');
    assert.equal(executed, 1);
  });

  test('5. a request sent while the service is down is served when it comes back', async () => {
    let served = 0;
    const handlers = {
      'comeback.run': async (data: unknown) => {
        served += 1;
        return data;
      },
    };
    const first = await startServer({ service: 'comeback' }, handlers);
    await first.close();
    const { bus } = newClient();
    const pending = bus.call('comeback.run', { hello: 'again' }, { timeoutMs: 5_000 });
    await sleep(500);
    assert.equal(served, 0);
    await startServer({ service: 'comeback' }, handlers);
    assert.deepEqual(await pending, { hello: 'again' });
    assert.equal(served, 1);
  });

  test('6. work events reach each subscribing service once; broadcast events every replica', async () => {
    const work = EVENTS.JOB_CREATED;
    const broadcast = EVENTS.JOB_CANCEL_REQUESTED;
    const workSeen = new Map<string, number>();
    const broadcastSeen = new Map<string, number>();
    for (const service of ['svc-x', 'svc-y']) {
      for (const replica of ['r1', 'r2']) {
        await startServer(
          { service, consumer: `${service}-${replica}` },
          {},
          {
            [work]: async (data) => countInto(workSeen, `${service}:${(data as { n: number }).n}`),
            [broadcast]: async (data) =>
              countInto(broadcastSeen, `${service}-${replica}:${(data as { n: number }).n}`),
          },
        );
      }
    }
    const { bus } = newClient();
    const events = 100;
    for (let n = 0; n < events; n += 1) await bus.emit(work, { n });
    for (let n = 0; n < 3; n += 1) await bus.emit(broadcast, { n });
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    await waitFor(
      () => sum(workSeen) >= 2 * events && sum(broadcastSeen) >= 12,
      5_000,
      'events to arrive',
    );
    await sleep(300);
    assert.equal(workSeen.size, 2 * events);
    assert.ok(
      [...workSeen.values()].every((v) => v === 1),
      'each service saw each work event once',
    );
    assert.equal(broadcastSeen.size, 12);
    assert.ok(
      [...broadcastSeen.values()].every((v) => v === 1),
      'each replica saw each broadcast once',
    );
  });

  test('7. two runs with different prefixes do not interfere', async () => {
    const otherPrefix = `${PREFIX}-other`;
    const seen = { mine: 0, other: 0 };
    await startServer({ service: 'iso' }, { 'iso.who': async () => ((seen.mine += 1), 'mine') });
    const other = new RedisStreamsServer({
      url: REDIS_URL,
      prefix: otherPrefix,
      service: 'iso',
      trimIntervalMs: 0,
    });
    other.addHandler('iso.who', (async () => ((seen.other += 1), 'other')) as MessageHandler);
    await new Promise<void>((resolve, reject) =>
      other.listen((err) => (err ? reject(err) : resolve())),
    );
    closers.push(async () => {
      await other.close();
      await deleteKeysWithPrefix(REDIS_URL, `${otherPrefix}:`);
    });
    const mine = newClient().bus;
    const theirs = newClient(otherPrefix).bus;
    const [a, b] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, () => mine.call('iso.who', {}))),
      Promise.all(Array.from({ length: 50 }, () => theirs.call('iso.who', {}))),
    ]);
    assert.ok(a.every((v) => v === 'mine'));
    assert.ok(b.every((v) => v === 'other'));
    assert.deepEqual(seen, { mine: 50, other: 50 });
  });

  test('9. trimming keeps unacknowledged and undelivered entries', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await startServer(
      { service: 'trim' },
      {
        'trim.run': async (data) => {
          if ((data as { hold?: boolean }).hold) await held;
          return 'ok';
        },
      },
    );
    const { bus } = newClient();
    const stream = keys.rpc('trim');
    await Promise.all(Array.from({ length: 10 }, () => bus.call('trim.run', {})));
    const holding = bus.call('trim.run', { hold: true });
    await waitFor(
      async () => (await redis.xlen(stream)) === 11,
      2_000,
      'the held request to be queued',
    );
    await Promise.all(Array.from({ length: 10 }, () => bus.call('trim.run', {})));
    await server.trim();
    const left = await redis.xrange(stream, '-', '+');
    assert.equal(left.length, 11, 'the pending entry and everything after it stay');
    assert.match(left[0]?.[1].join(' ') ?? '', /"hold":true/);
    release();
    await holding;
    // The reply is written before the XACK, so the caller may see it a moment earlier.
    await waitFor(
      async () => {
        await server.trim();
        return (await redis.xlen(stream)) <= 1;
      },
      2_000,
      'acknowledged entries to be trimmed',
    );

    // A work event stream with a second group that has not read yet keeps its entries.
    const event = EVENTS.CHUNK_STEP_FAILED;
    const lagging = await startServer(
      { service: 'trim-lagging' },
      {},
      { [event]: async () => undefined },
    );
    await lagging.close();
    let handled = 0;
    const reader = await startServer(
      { service: 'trim-reader' },
      {},
      { [event]: async () => void (handled += 1) },
    );
    for (let n = 0; n < 5; n += 1) await bus.emit(event, { n });
    await waitFor(() => handled === 5, 3_000, 'the reader to handle the events');
    await sleep(50);
    await reader.trim();
    assert.equal(
      await redis.xlen(keys.workEvent(event)),
      5,
      'entries the lagging group has not read stay',
    );
    const lagged = await startServer(
      { service: 'trim-lagging' },
      {},
      { [event]: async () => undefined },
    );
    await waitFor(
      async () => {
        await lagged.trim();
        return (await redis.xlen(keys.workEvent(event))) <= 1;
      },
      3_000,
      'the stream to be trimmed once every group acknowledged',
    );
  });

  test('heartbeat: an entry acknowledged since the snapshot is not lost; one another consumer claimed is', async () => {
    const key = `${PREFIX}:heartbeat-check`;
    await redis.xgroup('CREATE', key, 'svc', '0', 'MKSTREAM');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await redis.xadd(key, '*', 'n', String(i)))!);
    await redis.xreadgroup('GROUP', 'svc', 'me', 'COUNT', 3, 'STREAMS', key, '>');
    const [acked, taken, mine] = ids as [string, string, string];
    await redis.xack(key, 'svc', acked);
    await redis.xclaim(key, 'svc', 'other', 0, taken);
    const lost = (await redis.eval(
      HEARTBEAT_SCRIPT,
      1,
      key,
      'svc',
      'me',
      acked,
      taken,
      mine,
    )) as string[];
    assert.deepEqual(lost, [taken]);
    const pending = (await redis.xpending(key, 'svc', '-', '+', 10)) as [
      string,
      string,
      number,
      number,
    ][];
    assert.deepEqual(
      pending.map(([id, consumer]) => [id, consumer]).sort(),
      [
        [taken, 'other'],
        [mine, 'me'],
      ].sort(),
    );
  });

  test('connections stay bounded however many patterns a server serves', async () => {
    const events = [
      EVENTS.JOB_CREATED,
      EVENTS.JOB_PROGRESS,
      EVENTS.JOB_STATE_CHANGED,
      EVENTS.JOB_COMPLETED,
      EVENTS.JOB_FAILED,
    ];
    const noop: Handler = async () => undefined;
    const consumer = `many-${randomBytes(4).toString('hex')}`;
    await startServer(
      { service: 'many', consumer },
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`many.p${i}`, noop])),
      Object.fromEntries(events.map((event) => [event, noop])),
    );
    const connections = async (): Promise<string[]> =>
      String(await redis.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=docat-${consumer}:`));
    await waitFor(async () => (await connections()).length >= 3, 2_000, 'the readers to connect');
    await sleep(100);
    // One command connection, one reader for the request stream, one for the job.* events.
    assert.equal((await connections()).length, 3);
  });

  test('client close() rejects pending calls', async () => {
    const { proxy, bus } = newClient();
    const rejected = expectDocatError(
      bus.call('nobody.home', {}, { timeoutMs: 5_000 }),
      'SERVICE_UNAVAILABLE',
    );
    await sleep(50);
    await proxy.close();
    await rejected;
  });
});
