import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  QUEUES,
  RPC,
  makeEnvelope,
  stepClaimSchema,
  type StepClaim,
  type StepLeaseAnswer,
} from '@docat/contracts';
import { staleSteps } from '@docat/observability';
import type { BusClient, QueueJob, QueuePort } from '../ports.js';
import { CancellationRegistry } from './cancellation.registry.js';
import { StepLeaseClient } from './step-lease.js';
import { StepReporter } from './step-reporter.js';
import { StepRunner } from './step-runner.js';
import { WorkerCapacityAnnouncer } from './worker-capacity.js';

/** Ingestion's side of step leases, scripted: each claim and heartbeat is answered by `answer`. */
function leaseBus(answer: (pattern: string, ref: StepClaim) => StepLeaseAnswer): {
  bus: BusClient;
  calls: { pattern: string; ref: StepClaim }[];
  emitted: string[];
} {
  const calls: { pattern: string; ref: StepClaim }[] = [];
  const emitted: string[] = [];
  const bus: BusClient = {
    call: <T>(pattern: string, data: unknown) => {
      const ref = stepClaimSchema.parse(data);
      calls.push({ pattern, ref });
      return Promise.resolve(answer(pattern, ref) as T);
    },
    emit: (event) => {
      emitted.push(event);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return { bus, calls, emitted };
}

function runner(bus: BusClient, capacity = new WorkerCapacityAnnouncer(bus)): StepRunner {
  const unused = {} as QueuePort;
  return new StepRunner(
    new CancellationRegistry(),
    new StepReporter(bus),
    new StepLeaseClient(bus),
    capacity,
    unused,
  );
}

const schema = z.object({ jobId: z.string(), chunk: z.number(), lease: z.number() });

function queueJob(data: z.infer<typeof schema>): QueueJob<unknown> {
  return {
    id: 'q1',
    queue: QUEUES.EXTRACT,
    data: makeEnvelope(QUEUES.EXTRACT, 1, data, { userId: 'u1' }),
    attempt: 1,
    signal: new AbortController().signal,
  };
}

async function staleCount(reason: string): Promise<number> {
  const metric = await staleSteps.get();
  return (
    metric.values.find((v) => v.labels.queue === QUEUES.EXTRACT && v.labels.reason === reason)
      ?.value ?? 0
  );
}

describe('StepRunner: a step runs only under its lease', () => {
  test('a refused claim drops the step unrun and counts it', async () => {
    const { bus, calls, emitted } = leaseBus(() => ({ granted: false, reason: 'superseded' }));
    let ran = false;
    const before = await staleCount('superseded');
    await runner(bus).handler(QUEUES.EXTRACT, 'extract', schema, async () => {
      ran = true;
    })(queueJob({ jobId: 'j1', chunk: 2, lease: 3 }));
    assert.equal(ran, false);
    assert.equal(await staleCount('superseded'), before + 1);
    assert.deepEqual(
      calls.map((c) => [c.pattern, c.ref.jobId, c.ref.chunk, c.ref.step, c.ref.lease]),
      [[RPC.JOBS_STEP_CLAIM, 'j1', 2, 'extract', 3]],
    );
    assert.deepEqual(emitted, [], 'nothing is reported for a dropped step');
  });

  test('a granted claim runs the step once, beating under the same holder, and the beat stops with it', async () => {
    const { bus, calls } = leaseBus(() => ({ granted: true, leaseMs: 300 }));
    let runs = 0;
    await runner(bus).handler(QUEUES.EXTRACT, 'extract', schema, async () => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 350));
    })(queueJob({ jobId: 'j2', chunk: 0, lease: 0 }));
    assert.equal(runs, 1);
    const beats = calls.filter((c) => c.pattern === RPC.JOBS_STEP_HEARTBEAT);
    assert.ok(beats.length >= 2, `${beats.length} heartbeats in 350 ms at one per 100 ms`);
    assert.ok(
      beats.every((b) => b.ref.holder === calls[0]!.ref.holder),
      'one holder id per run',
    );
    const after = calls.length;
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(calls.length, after, 'no heartbeat after the step ended');
  });

  test('the holder names this worker (host/pid/tag) and the run, so a lease shows which process holds it', async () => {
    const { bus, calls } = leaseBus(() => ({ granted: true, leaseMs: 60_000 }));
    const capacity = new WorkerCapacityAnnouncer(bus);
    const run = runner(bus, capacity).handler(QUEUES.EXTRACT, 'extract', schema, () =>
      Promise.resolve(),
    );
    await run(queueJob({ jobId: 'j2', chunk: 0, lease: 0 }));
    await run(queueJob({ jobId: 'j2', chunk: 1, lease: 0 }));
    const [first, second] = calls.filter((c) => c.pattern === RPC.JOBS_STEP_CLAIM);
    assert.match(capacity.worker, new RegExp(`^[^/]+/${process.pid}/[0-9a-f]{8}$`));
    for (const claim of [first!, second!]) {
      assert.ok(claim.ref.holder.startsWith(`${capacity.worker}/`), claim.ref.holder);
      assert.ok(claim.ref.holder.length <= 128, 'within the claim schema');
    }
    assert.notEqual(first!.ref.holder, second!.ref.holder, 'a fresh holder per run');
  });

  test('a refused heartbeat aborts the running step, which is dropped without a failure report', async () => {
    const { bus, emitted } = leaseBus((pattern) =>
      pattern === RPC.JOBS_STEP_CLAIM
        ? { granted: true, leaseMs: 300 }
        : { granted: false, reason: 'finished' },
    );
    let aborted = false;
    await runner(bus).handler(
      QUEUES.EXTRACT,
      'extract',
      schema,
      (_data, signal) =>
        new Promise<void>((_resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('never aborted')), 2_000);
          signal.addEventListener('abort', () => {
            aborted = true;
            clearTimeout(timer);
            reject(signal.reason as Error);
          });
        }),
    )(queueJob({ jobId: 'j3', chunk: 1, lease: 0 }));
    assert.equal(aborted, true);
    assert.deepEqual(emitted, [], 'no chunk.step-failed: the step was not this run’s any more');
  });
});
