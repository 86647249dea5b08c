import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeEnvelope, QUEUES, type Envelope } from '@docat/contracts';
import type { QueueJob, QueuePort } from './queue.port.js';

/** One isolated namespace (key prefix or schema) of an adapter, fresh per test. */
export interface ContractTarget {
  /** A new adapter instance on this namespace; the suite stops every one it opens. */
  open(): Promise<QueuePort>;
  /** Environment for `queue-crash.fixture.js` to open the same namespace. */
  childEnv: Record<string, string>;
  /** Run on a new instance after a worker process died mid-job, before it works. */
  afterCrash(queue: QueuePort): Promise<void>;
  cleanup(): Promise<void>;
}

interface Payload {
  n: number;
}

const Q = QUEUES.EXTRACT;

function envelope(n: number): Envelope<Payload> {
  return makeEnvelope(Q, 1, { n }, { requestId: `req-${n}`, idempotencyKey: `key-${n}` });
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `body` on a fresh namespace and stops every queue it opened, whatever happens. */
async function withTarget(
  newTarget: () => Promise<ContractTarget>,
  body: (open: () => Promise<QueuePort>, target: ContractTarget) => Promise<void>,
): Promise<void> {
  const target = await newTarget();
  const opened: QueuePort[] = [];
  try {
    await body(async () => {
      const q = await target.open();
      opened.push(q);
      return q;
    }, target);
  } finally {
    // Tear-down of the contract check: every queue is stopped whatever the others did.
    await Promise.all(opened.map((q) => q.stop({ graceMs: 0 }).catch(() => undefined)));
    await target.cleanup();
  }
}

/** The behaviour every QueuePort adapter must show, run against real servers. */
export function queueContract(label: string, newTarget: () => Promise<ContractTarget>): void {
  const run =
    (body: (open: () => Promise<QueuePort>, target: ContractTarget) => Promise<void>) => () =>
      withTarget(newTarget, body);

  describe(`${label}: QueuePort contract`, () => {
    test(
      'enqueue and work round trip with the envelope intact',
      run(async (open) => {
        const q = await open();
        const sent = envelope(1);
        const received: QueueJob<Payload>[] = [];
        const { id, created } = await q.enqueue(Q, sent);
        assert.equal(created, true);
        await q.work<Payload>(Q, async (job) => {
          received.push(job);
        });
        await waitFor('the job', () => received.length === 1);
        const job = received[0]!;
        assert.equal(job.id, id);
        assert.equal(job.queue, Q);
        assert.equal(job.attempt, 1);
        assert.deepEqual(job.data, sent);
      }),
    );

    test(
      'a second enqueue with the same jobId creates nothing and the job runs once',
      run(async (open) => {
        const q = await open();
        const first = await q.enqueue(Q, envelope(1), { jobId: 'job-7:chunk-0:extract' });
        assert.equal(await q.isPending(Q, 'job-7:chunk-0:extract'), true, 'waiting is pending');
        assert.equal(await q.isPending(Q, 'job-7:chunk-9:extract'), false, 'an unknown id is not');
        const second = await q.enqueue(Q, envelope(2), { jobId: 'job-7:chunk-0:extract' });
        const other = await q.enqueue(Q, envelope(3), { jobId: 'job-7:chunk-1:extract' });
        assert.equal(first.created, true);
        assert.equal(second.created, false);
        assert.equal(second.id, first.id);
        assert.notEqual(other.id, first.id);
        const seen: number[] = [];
        await q.work<Payload>(Q, async (job) => {
          seen.push(job.data.data.n);
        });
        await waitFor('both jobs', () => seen.length >= 2);
        await sleep(1_200);
        assert.deepEqual(seen.sort(), [1, 3]);
        assert.equal(
          await q.isPending(Q, 'job-7:chunk-0:extract'),
          false,
          'a completed job is not pending',
        );
        const again = await q.enqueue(Q, envelope(4), { jobId: 'job-7:chunk-0:extract' });
        assert.equal(again.created, false, 'a completed job still holds its id');
      }),
    );

    test(
      'a thrown error is retried after the backoff, with the attempt counter incremented',
      run(async (open) => {
        const q = await open();
        const runs: { attempt: number; at: number }[] = [];
        await q.enqueue(Q, envelope(1), { attempts: 3, backoffMs: 1_000 });
        await q.work<Payload>(Q, async (job) => {
          runs.push({ attempt: job.attempt, at: Date.now() });
          if (job.attempt === 1) throw new Error('transient');
        });
        await waitFor('the retry', () => runs.length === 2);
        assert.deepEqual(
          runs.map((r) => r.attempt),
          [1, 2],
        );
        const gap = runs[1]!.at - runs[0]!.at;
        assert.ok(gap >= 900, `retried after ${gap} ms, before the 1000 ms backoff`);
        await sleep(500);
        assert.equal(runs.length, 2, 'a succeeded attempt is not run again');
        const depth = await q.depth(Q);
        assert.equal(depth.failed, 0);
      }),
    );

    test(
      'a delayed job does not run before its delay',
      run(async (open) => {
        const q = await open();
        const enqueuedAt = Date.now();
        await q.enqueue(Q, envelope(1), { delayMs: 1_500 });
        const depth = await q.depth(Q);
        assert.equal(depth.delayed, 1);
        assert.equal(depth.waiting, 0);
        let ranAt = 0;
        await q.work<Payload>(Q, async () => {
          ranAt = Date.now();
        });
        await waitFor('the delayed job', () => ranAt > 0);
        assert.ok(ranAt - enqueuedAt >= 1_450, `ran after ${ranAt - enqueuedAt} ms`);
      }),
    );

    test(
      'a worker never runs more than its concurrency at once',
      run(async (open) => {
        const q = await open();
        for (let n = 0; n < 6; n++) await q.enqueue(Q, envelope(n));
        let running = 0;
        let peak = 0;
        let done = 0;
        await q.work<Payload>(
          Q,
          async () => {
            running++;
            peak = Math.max(peak, running);
            await sleep(300);
            running--;
            done++;
          },
          { concurrency: 2 },
        );
        await waitFor('six jobs', () => done === 6, 20_000);
        assert.equal(peak, 2);
      }),
    );

    test(
      'a graceful stop aborts an unfinished job and returns it, and a new worker runs it',
      run(async (open) => {
        const first = await open();
        const { id } = await first.enqueue(Q, envelope(1), { attempts: 1 });
        let started = false;
        let aborted = false;
        await first.work<Payload>(Q, async (job) => {
          started = true;
          // Honours the signal, like every real handler must.
          await new Promise<void>((resolve) =>
            job.signal.addEventListener('abort', () => {
              aborted = true;
              resolve();
            }),
          );
        });
        await waitFor('the first run', () => started);
        const stopStarted = Date.now();
        await first.stop({ graceMs: 300 });
        assert.equal(aborted, true);
        assert.ok(Date.now() - stopStarted < 5_000);

        const second = await open();
        const reruns: QueueJob<Payload>[] = [];
        await second.work<Payload>(Q, async (job) => {
          reruns.push(job);
        });
        await waitFor('the returned job on the new worker', () => reruns.length === 1);
        assert.equal(reruns[0]!.id, id);
        assert.equal(
          reruns[0]!.attempt,
          1,
          'a returned job keeps its attempt (attempts: 1 would fail it otherwise)',
        );
      }),
    );

    test(
      'depth counts waiting, delayed, active and failed jobs; workersAlive counts workers',
      run(async (open) => {
        const q = await open();
        assert.equal(await q.workersAlive(Q), 0);
        await q.enqueue(Q, envelope(1), { attempts: 1 });
        await q.enqueue(Q, envelope(2));
        await q.enqueue(Q, envelope(3), { delayMs: 60_000 });
        const before = await q.depth(Q);
        assert.equal(before.waiting, 2);
        assert.equal(before.delayed, 1);
        assert.equal(before.active, 0);
        assert.equal(before.failed, 0);
        assert.ok(before.oldestWaitingAgeMs !== null && before.oldestWaitingAgeMs >= 0);

        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let blocking = false;
        await q.work<Payload>(
          Q,
          async (job) => {
            if (job.data.data.n === 1) throw new Error('permanent');
            blocking = true;
            await released;
          },
          { concurrency: 2 },
        );
        assert.equal(await q.workersAlive(Q), 1);
        await waitFor('one active and one failed', async () => {
          const d = await q.depth(Q);
          return blocking && d.active === 1 && d.failed === 1;
        });
        const during = await q.depth(Q);
        assert.equal(during.waiting, 0);
        assert.equal(during.delayed, 1);
        assert.equal(during.oldestWaitingAgeMs, null);
        release();
        await waitFor('the blocked job to finish', async () => (await q.depth(Q)).active === 0);
      }),
    );

    test(
      'a job whose worker process is killed with SIGKILL runs again on another worker',
      run(async (open, target) => {
        const producer = await open();
        const { id } = await producer.enqueue(Q, envelope(1), { attempts: 3 });
        const fixture = fileURLToPath(new URL('./queue-crash.fixture.js', import.meta.url));
        const child = spawn(process.execPath, [fixture], {
          env: { ...process.env, ...target.childEnv, DOCAT_FIXTURE_QUEUE: Q },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        try {
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
          });
          await waitFor('the child to take the job', () => output.includes(`started ${id}`));
          child.kill('SIGKILL');
          await exited;
        } finally {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }

        const survivor = await open();
        await target.afterCrash(survivor);
        const reruns: QueueJob<Payload>[] = [];
        await survivor.work<Payload>(
          Q,
          async (job) => {
            reruns.push(job);
          },
          { lockMs: 1_000 },
        );
        await waitFor('the orphaned job to run again', () => reruns.length === 1, 20_000);
        assert.equal(reruns[0]!.id, id);
      }),
    );
  });
}
