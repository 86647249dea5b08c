import 'reflect-metadata';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Ctx,
  EventPattern,
  MessagePattern,
  Payload,
  type MessageHandler,
} from '@nestjs/microservices';
import { DocatError, EVENTS } from '@docat/contracts';
import { createBusClient } from './bus-client.js';
import { DocatRpcExceptionFilter } from './docat-rpc-exception.filter.js';
import { InProcessBus } from './in-process.bus.js';
import { InProcessClient } from './in-process.client.js';
import { InProcessServer } from './in-process.server.js';
import type { MessageContext } from './message.context.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function countInto(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<DocatError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DocatError);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected ${code}`);
}

const handled = new Map<string, number>();
const perReplica = new Map<string, number>();
const workSeen = new Map<string, number>();
const broadcastSeen = new Map<string, number>();
let nextReplica = 0;

@Controller()
class EchoController {
  readonly replica = `replica-${(nextReplica += 1)}`;

  @MessagePattern('echo.count')
  count(
    @Payload() data: { n: number },
    @Ctx() ctx: MessageContext,
  ): { n: number; requestId?: string } {
    countInto(handled, String(data.n));
    countInto(perReplica, this.replica);
    return { n: data.n, requestId: ctx.getEnvelope().requestId };
  }

  @MessagePattern('echo.fail-typed')
  failTyped(): never {
    throw new DocatError('INSUFFICIENT_CREDITS', 'needs 12 more');
  }

  @MessagePattern('echo.fail-plain')
  async failPlain(): Promise<never> {
    throw new Error('internal path /var/secret');
  }

  @EventPattern(EVENTS.JOB_COMPLETED)
  completed(@Payload() data: { n: number }): void {
    countInto(workSeen, `echo:${data.n}`);
  }

  @EventPattern(EVENTS.SIGNING_KEY_ROTATED)
  rotated(@Payload() data: { n: number }): void {
    countInto(broadcastSeen, `${this.replica}:${data.n}`);
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('in-process transport (standalone mode)', () => {
  const bus = new InProcessBus();
  const apps: INestMicroservice[] = [];
  const client = new InProcessClient(bus, { timeoutMs: 2_000 });
  const calls = createBusClient(client);

  after(async () => {
    await calls.close();
    for (const app of apps) await app.close();
  });

  test('exactly one replica handles each request (decorated controllers)', async () => {
    for (let i = 0; i < 2; i += 1) {
      const app = await NestFactory.createMicroservice(EchoModule, {
        strategy: new InProcessServer(bus, { service: 'echo', requiredPatterns: ['echo.count'] }),
        logger: false,
      });
      app.useGlobalFilters(new DocatRpcExceptionFilter());
      await app.listen();
      apps.push(app);
    }
    const replies = await Promise.all(
      Array.from({ length: 500 }, (_, n) =>
        calls.call<{ n: number; requestId?: string }>(
          'echo.count',
          { n },
          { context: { requestId: `r${n}` } },
        ),
      ),
    );
    assert.ok(replies.every((r, n) => r.n === n && r.requestId === `r${n}`));
    assert.equal(handled.size, 500);
    assert.ok([...handled.values()].every((v) => v === 1));
    assert.equal(perReplica.size, 2, 'both replicas took requests');
  });

  test('typed errors keep their code; other errors become INTERNAL without detail', async () => {
    const typed = await rejectsWith(calls.call('echo.fail-typed', {}), 'INSUFFICIENT_CREDITS');
    assert.equal(typed.message, 'needs 12 more');
    const plain = await rejectsWith(calls.call('echo.fail-plain', {}), 'INTERNAL');
    assert.doesNotMatch(plain.message, /secret/);
  });

  test('work events reach each subscribing service once, broadcasts every replica', async () => {
    const other = new InProcessServer(bus, { service: 'other' });
    other.addHandler(
      EVENTS.JOB_COMPLETED,
      (async (data: { n: number }) => countInto(workSeen, `other:${data.n}`)) as MessageHandler,
      true,
    );
    await new Promise<void>((resolve, reject) =>
      other.listen((err) => (err ? reject(err) : resolve())),
    );
    for (let n = 0; n < 20; n += 1) await calls.emit(EVENTS.JOB_COMPLETED, { n });
    await calls.emit(EVENTS.SIGNING_KEY_ROTATED, { n: 1 });
    await sleep(20);
    assert.equal(workSeen.size, 40);
    assert.ok([...workSeen.values()].every((v) => v === 1));
    assert.deepEqual([...broadcastSeen.keys()].sort(), ['replica-1:1', 'replica-2:1']);
    await other.close();
    // A subscribed service with no replica up keeps its events until one attaches.
    await calls.emit(EVENTS.JOB_COMPLETED, { n: 99 });
    await sleep(10);
    assert.equal(workSeen.get('other:99'), undefined);
    await new Promise<void>((resolve, reject) =>
      other.listen((err) => (err ? reject(err) : resolve())),
    );
    await sleep(10);
    assert.equal(workSeen.get('other:99'), 1);
    await other.close();
  });

  test('a request sent before its handler registers is served when it does, within its deadline', async () => {
    let runs = 0;
    const late = new InProcessServer(bus, { service: 'late' });
    late.addHandler('late.run', (async () => (runs += 1)) as MessageHandler);
    const expired = rejectsWith(calls.call('late.run', {}, { timeoutMs: 50 }), 'DEADLINE_EXCEEDED');
    const served = calls.call<number>('late.run', {}, { timeoutMs: 1_000 });
    await expired;
    await new Promise<void>((resolve, reject) =>
      late.listen((err) => (err ? reject(err) : resolve())),
    );
    assert.equal(await served, 1);
    assert.equal(runs, 1, 'the expired request never ran');
    await late.close();
  });

  test('boot check and closed client', async () => {
    const server = new InProcessServer(bus, { service: 'boot', requiredPatterns: ['boot.x'] });
    await assert.rejects(
      new Promise<void>((resolve, reject) =>
        server.listen((err) => (err ? reject(err) : resolve())),
      ),
      /boot\.x/,
    );
    const closing = new InProcessClient(bus);
    const pending = rejectsWith(
      createBusClient(closing).call('nobody.run', {}),
      'SERVICE_UNAVAILABLE',
    );
    await closing.close();
    await pending;
  });
});
