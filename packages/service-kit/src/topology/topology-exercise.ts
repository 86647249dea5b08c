import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { MessageHandler } from '@nestjs/microservices';
import { EVENTS, makeEnvelope, QUEUES } from '@docat/contracts';
import { BullMqQueue } from '@docat/queue';
import { RedisRateLimiter as RedisRequestLimiter } from '@docat/request-limiter';
import { waitUntil } from '@docat/testing';
import {
  createBusClient,
  createRedisConnection,
  RedisStreamsClient,
  RedisStreamsServer,
  type BusClient,
  type RedisConnection,
  type RedisTopology,
} from '@docat/transport';
import { RedisCache } from '../cache/redis.cache.js';
import { RedisEventLog } from '../event-log/redis.event-log.js';
import { RedisRateLimiter } from '../rate-limit/redis.rate-limiter.js';

/**
 * Every Redis user of cluster mode on one topology, each opened the way the cluster
 * runtime opens it (through `createRedisConnection`): the Redis Streams transport (RPC
 * and work events), a BullMQ queue and worker, the cache, the rate limiter and the
 * event log. Tests start a topology, open this, exercise it, and close it.
 */
export class TopologyStack {
  readonly prefix = `docat-topo-${randomBytes(4).toString('hex')}`;
  readonly server: RedisStreamsServer;
  readonly client: RedisStreamsClient;
  readonly bus: BusClient;
  readonly queue: BullMqQueue;
  readonly cache: RedisCache;
  readonly rateLimiter: RedisRateLimiter;
  readonly eventLogRedis: RedisConnection;
  readonly limiterRedis: RedisConnection;
  readonly requestLimiter: RedisRequestLimiter;
  readonly eventLog: RedisEventLog;
  /** Work events the server's handler saw, by payload `n`. */
  readonly events = new Map<number, number>();
  /** Completed queue jobs, by job id, with how many times each ran to completion. */
  readonly completed = new Map<string, number>();

  constructor(readonly topology: RedisTopology) {
    this.server = new RedisStreamsServer({ topology, prefix: this.prefix, service: 'topo', trimIntervalMs: 0, blockMs: 1_000 });
    this.client = new RedisStreamsClient({ topology, prefix: this.prefix, timeoutMs: 10_000, target: 'topo', blockMs: 1_000 });
    this.bus = createBusClient(this.client);
    this.queue = new BullMqQueue({
      redis: () => createRedisConnection(topology, { maxRetriesPerRequest: null, connectionName: `${this.prefix}:queue` }),
      keyPrefix: `${this.prefix}:q`,
    });
    this.cache = new RedisCache(topology, this.prefix);
    this.rateLimiter = new RedisRateLimiter(topology, this.prefix);
    this.eventLogRedis = createRedisConnection(topology, { maxRetriesPerRequest: 2, connectionName: `${this.prefix}:event-log` });
    this.eventLogRedis.on('error', () => undefined);
    this.eventLog = new RedisEventLog(this.eventLogRedis, this.prefix, { blockMs: 1_000 });
    this.limiterRedis = createRedisConnection(topology, { maxRetriesPerRequest: 2, connectionName: `${this.prefix}:request-limiter` });
    this.limiterRedis.on('error', () => undefined);
    this.requestLimiter = new RedisRequestLimiter(this.limiterRedis, { prefix: `${this.prefix}:limit:`, pollMs: 10 });
  }

  /** Registers an echo RPC, a work-event handler and a queue worker, then starts the server. */
  async start(worker: { lockMs?: number; concurrency?: number; jobMs?: number } = {}): Promise<void> {
    this.server.addHandler('topo.echo', (async (data: { n: number }) => ({ n: data.n, echoed: true })) as unknown as MessageHandler);
    this.server.addHandler(
      EVENTS.CHUNK_STEP_DONE,
      (async (data: { n: number }) => {
        this.events.set(data.n, (this.events.get(data.n) ?? 0) + 1);
      }) as unknown as MessageHandler,
      true,
    );
    await new Promise<void>((resolve, reject) => this.server.listen((err?: unknown) => (err ? reject(err as Error) : resolve())));
    await this.queue.work<{ n: number }>(
      QUEUES.EXTRACT,
      async (job) => {
        if (worker.jobMs) await new Promise((r) => setTimeout(r, worker.jobMs));
        this.completed.set(job.id, (this.completed.get(job.id) ?? 0) + 1);
      },
      { concurrency: worker.concurrency ?? 4, lockMs: worker.lockMs ?? 2_000 },
    );
  }

  async rpcRoundTrip(n: number): Promise<void> {
    const reply = await this.bus.call<{ n: number; echoed: boolean }>('topo.echo', { n }, { timeoutMs: 10_000 });
    assert.deepEqual(reply, { n, echoed: true });
  }

  async eventDelivered(n: number): Promise<void> {
    await this.bus.emit(EVENTS.CHUNK_STEP_DONE, { n });
    await waitUntil(() => this.events.get(n) === 1, 10_000, `work event ${n}`);
  }

  /** Enqueues a job under a stable id; resolves with that id once Redis has accepted it. */
  async enqueue(n: number): Promise<string> {
    const { id } = await this.queue.enqueue(QUEUES.EXTRACT, makeEnvelope(QUEUES.EXTRACT, 1, { n }, { idempotencyKey: `topo-${n}` }), { jobId: `topo-job-${n}` });
    return id;
  }

  async cacheWorks(): Promise<void> {
    await this.cache.set('result:abc', 'cached value', 60_000);
    assert.equal(await this.cache.get('result:abc'), 'cached value');
    await this.cache.del('result:abc');
    assert.equal(await this.cache.get('result:abc'), null);
    await this.cache.ping();
  }

  async rateLimiterWorks(): Promise<void> {
    const key = `upload:user-${randomBytes(3).toString('hex')}`;
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await this.rateLimiter.hit(key, 3, 60_000));
    assert.deepEqual(
      decisions.map((d) => d.allowed),
      [true, true, true, false],
    );
    assert.ok(decisions[3]!.retryAfterMs > 0);
  }

  /** Engine admission (two keys per limit, one hash tag): the third concurrent request waits for a release. */
  async requestLimiterWorks(): Promise<void> {
    const limit = { concurrency: 2, requests: 100, perMs: 60_000 };
    const first = await this.requestLimiter.acquire('engine:pseudo', limit);
    const second = await this.requestLimiter.acquire('engine:pseudo', limit);
    let third = false;
    const waiting = this.requestLimiter.acquire('engine:pseudo', limit).then((lease) => {
      third = true;
      return lease;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(third, false, 'a third request is admitted only after a release');
    await first.release();
    const lease = await waiting;
    assert.equal(third, true);
    await Promise.all([second.release(), lease.release()]);
  }

  async eventLogWorks(): Promise<void> {
    const logs = ['job:a', 'job:b', 'job:c', 'job:d'];
    const seen = new Map<string, number[]>();
    const follows = logs.map((log) => this.eventLog.follow(log, 0, (entry) => seen.set(log, [...(seen.get(log) ?? []), entry.seq])));
    for (const log of logs) for (const seq of [1, 2, 3]) await this.eventLog.append(log, seq, `${log}#${seq}`, { maxLen: 100, ttlMs: 60_000 });
    // A redelivered append is stored once.
    await this.eventLog.append('job:a', 2, 'again', { maxLen: 100, ttlMs: 60_000 });
    assert.deepEqual(
      (await this.eventLog.read('job:a', 1, 10)).map((e) => e.payload),
      ['job:a#2', 'job:a#3'],
    );
    await waitUntil(() => logs.every((log) => seen.get(log)?.join() === '1,2,3'), 10_000, 'every followed log to deliver 1,2,3');
    for (const follow of follows) follow.close();
  }

  async close(): Promise<void> {
    const steps: (() => Promise<unknown>)[] = [
      () => this.queue.stop({ graceMs: 1_000 }),
      () => this.server.close(),
      () => this.client.close(),
      () => this.cache.close(),
      () => this.rateLimiter.close(),
      () => this.eventLog.close(),
      () => this.eventLogRedis.quit(),
      () => this.limiterRedis.quit(),
    ];
    // Tear-down of a finished exercise: each step is tried whatever the others did.
    for (const step of steps) await step().catch(() => undefined);
  }
}
