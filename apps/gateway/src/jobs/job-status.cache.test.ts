import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DocatError, type JobView } from '@docat/contracts';
import { JobStatusCache } from './job-status.cache.js';

const JOB = '0190a3c2-0000-7000-8000-000000000001';

function view(state: JobView['state'], id = JOB): JobView {
  return { id, state } as unknown as JobView;
}

/** A loader that counts its calls and answers what `answer` holds when called. */
function loader(answer: () => JobView | Error) {
  const calls = { count: 0 };
  const load = async (): Promise<JobView> => {
    calls.count++;
    await new Promise((r) => setImmediate(r));
    const a = answer();
    if (a instanceof Error) throw a;
    return a;
  };
  return { load, calls };
}

describe('JobStatusCache', () => {
  test('answers the owner from memory until max age; another user is always asked about over RPC', async () => {
    let now = 0;
    const cache = new JobStatusCache({ maxAgeMs: 1_000, now: () => now });
    const { load, calls } = loader(() => view('processing'));
    assert.equal((await cache.get('alice', JOB, load)).view.state, 'processing');
    assert.equal((await cache.get('alice', JOB, load)).json, JSON.stringify(view('processing')));
    assert.equal(calls.count, 1);
    // Bob's read goes to ingestion, which refuses it: the kept answer is never his.
    const bob = loader(() => new DocatError('NOT_FOUND', 'no such job'));
    await assert.rejects(
      cache.get('bob', JOB, bob.load),
      (e: unknown) => e instanceof DocatError && e.code === 'NOT_FOUND',
    );
    assert.equal(bob.calls.count, 1);
    now = 999;
    await cache.get('alice', JOB, load);
    assert.equal(calls.count, 1);
    now = 1_000;
    await cache.get('alice', JOB, load);
    assert.equal(calls.count, 2, 'after max age ingestion is asked again');
  });

  test('peek answers the owner only, while fresh and not invalidated; anything else is for get', async () => {
    let now = 0;
    const cache = new JobStatusCache({ maxAgeMs: 1_000, now: () => now });
    assert.equal(cache.peek('alice', JOB), undefined);
    const { load } = loader(() => view('processing'));
    const kept = await cache.get('alice', JOB, load);
    assert.equal(cache.peek('alice', JOB), kept);
    assert.equal(cache.peek('bob', JOB), undefined, 'another user is never answered from memory');
    assert.equal(
      cache.peek('alice', JOB.toUpperCase()),
      undefined,
      'only ids as ingestion wrote them',
    );
    now = 1_000;
    assert.equal(cache.peek('alice', JOB), undefined, 'expired');
    await cache.get('alice', JOB, load);
    cache.invalidate(JOB);
    assert.equal(cache.peek('alice', JOB), undefined, 'invalidated');
  });

  test('invalidate drops the kept status at once', async () => {
    let state: JobView['state'] = 'processing';
    const cache = new JobStatusCache({ now: () => 0 });
    const { load, calls } = loader(() => view(state));
    await cache.get('alice', JOB, load);
    state = 'cancelled';
    assert.equal((await cache.get('alice', JOB, load)).view.state, 'processing');
    cache.invalidate(JOB);
    assert.equal((await cache.get('alice', JOB, load)).view.state, 'cancelled');
    assert.equal(calls.count, 2);
  });

  test('concurrent misses share one load; an answer read while the job changed is not kept', async () => {
    let state: JobView['state'] = 'processing';
    const cache = new JobStatusCache({ now: () => 0 });
    const { load, calls } = loader(() => view(state));
    const reads = [
      cache.get('alice', JOB, load),
      cache.get('alice', JOB, load),
      cache.get('alice', JOB, load),
    ];
    // The job changes while the load is in flight.
    cache.invalidate(JOB);
    const answers = await Promise.all(reads);
    assert.equal(calls.count, 1);
    assert.ok(answers.every((a) => a.view.state === 'processing'));
    state = 'completed';
    assert.equal(
      (await cache.get('alice', JOB, load)).view.state,
      'completed',
      'the answer read before the change was not kept',
    );
    assert.equal(calls.count, 2);
  });

  test('failures are not kept, and entries are bounded', async () => {
    const cache = new JobStatusCache({ maxEntries: 3, now: () => 0 });
    const failing = loader(() => new DocatError('DEADLINE_EXCEEDED'));
    await assert.rejects(cache.get('alice', JOB, failing.load));
    await assert.rejects(cache.get('alice', JOB, failing.load));
    assert.equal(failing.calls.count, 2);
    for (let i = 0; i < 5; i++) {
      const id = `0190a3c2-0000-7000-8000-00000000001${i}`;
      await cache.get('alice', id, loader(() => view('queued', id)).load);
    }
    assert.equal(cache.size, 3);
  });
});
