import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DocatError, STEP_ATTEMPTS } from '@docat/contracts';
import { CancellationRegistry } from './cancellation.registry.js';
import { finalFailure } from './step-errors.js';

describe('finalFailure', () => {
  test('document errors are final at once, others only on the last attempt', () => {
    assert.equal(finalFailure(new DocatError('PDF_CORRUPT', 'bad xref'), 1)?.code, 'PDF_CORRUPT');
    assert.equal(finalFailure(new Error('socket hang up'), 1), null);
    assert.equal(finalFailure(new DocatError('SERVICE_UNAVAILABLE'), STEP_ATTEMPTS - 1), null);
    // An engine that is not configured stays unavailable; one that answered 5xx or 429 may come back.
    assert.equal(finalFailure(new DocatError('ENGINE_UNAVAILABLE', 'engine deepl is not configured'), 1)?.code, 'ENGINE_UNAVAILABLE');
    const outage = new DocatError('ENGINE_UNAVAILABLE', 'no engine could translate the batch', { cause: Object.assign(new Error('503'), { retryable: true }) });
    assert.equal(finalFailure(outage, 1), null);
    assert.equal(finalFailure(outage, STEP_ATTEMPTS)?.code, 'ENGINE_UNAVAILABLE');
    assert.deepEqual(finalFailure(new Error('secret detail'), STEP_ATTEMPTS), {
      code: 'INTERNAL',
      message: 'the step failed after every retry',
    });
  });
});

describe('CancellationRegistry', () => {
  test('aborts the running steps of a cancelled job and marks it for later steps', () => {
    const registry = new CancellationRegistry();
    const parent = new AbortController();
    const a = registry.track('job-a', parent.signal);
    const b = registry.track('job-b', parent.signal);
    registry.cancel('job-a');
    assert.equal(a.signal.aborted, true);
    assert.equal(b.signal.aborted, false);
    assert.equal(registry.isCancelled('job-a'), true);
    assert.equal(
      registry.track('job-a', parent.signal).signal.aborted,
      true,
      'a step taken after the cancel starts aborted',
    );
    parent.abort();
    assert.equal(b.signal.aborted, true, 'a worker stop aborts every step');
    a.release();
    b.release();
  });
});
