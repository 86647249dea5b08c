import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobWarning } from '@docat/contracts';
import type { ChunkRow } from '../jobs/job.row.js';
import {
  lapsedStepHasResult,
  planFromPageCount,
  renderOutcome,
  reportIsCurrent,
  sameRun,
  stageOf,
} from './transitions.js';

function chunk(over: Partial<ChunkRow> = {}): ChunkRow {
  return {
    job_id: 'j',
    chunk: 0,
    user_id: 'u',
    page_from: 1,
    page_to: 10,
    step: 'extract',
    state: 'running',
    lease: 0,
    lease_expires_at: null,
    holder: null,
    dispatched_at: null,
    runs: 0,
    billed_characters: 0,
    ...over,
  };
}

const limits = { maxPages: 500, chunkPages: 10 };

test('a report counts only for the step the chunk is running now', () => {
  assert.equal(reportIsCurrent(chunk(), 'extract'), true);
  assert.equal(reportIsCurrent(undefined, 'extract'), false, 'no such chunk');
  assert.equal(reportIsCurrent(chunk({ step: 'translate' }), 'extract'), false, 'moved on');
  assert.equal(reportIsCurrent(chunk({ state: 'pending' }), 'extract'), false, 'not dispatched');
  assert.equal(reportIsCurrent(chunk({ state: 'cancelled' }), 'extract'), false, 'cancelled');
  assert.equal(
    reportIsCurrent(chunk({ step: 'translate', state: 'done' }), 'translate'),
    false,
    'a duplicate of a finished translation',
  );
});

test('the first chunk plans the rest from the page count, or fails the job', () => {
  const all = { options: {} } as Parameters<typeof planFromPageCount>[0];
  const plan = planFromPageCount(all, 23, limits);
  assert.ok('plan' in plan);
  assert.deepEqual(
    plan.plan.map((c) => [c.chunk, c.pageFrom, c.pageTo]),
    [
      [0, 1, 10],
      [1, 11, 20],
      [2, 21, 23],
    ],
  );
  const ranged = planFromPageCount(
    { options: { pages: '1-12' } } as Parameters<typeof planFromPageCount>[0],
    23,
    limits,
  );
  assert.ok('plan' in ranged);
  assert.deepEqual(
    ranged.plan.map((c) => [c.pageFrom, c.pageTo]),
    [
      [1, 10],
      [11, 12],
    ],
  );
  const code = (pages: number | undefined, options = {}) => {
    const r = planFromPageCount(
      { options } as Parameters<typeof planFromPageCount>[0],
      pages,
      limits,
    );
    return 'fail' in r ? r.fail.code : 'planned';
  };
  assert.equal(code(undefined), 'INTERNAL');
  assert.equal(code(0), 'PDF_NO_PAGES');
  assert.equal(code(501), 'PDF_TOO_MANY_PAGES');
  assert.equal(code(500), 'planned');
  assert.equal(code(5, { pages: '9-12' }), 'INVALID_PAGE_RANGE');
});

test('the job stage follows its slowest chunk', () => {
  const at = (...cs: [ChunkRow['step'], ChunkRow['state']][]) =>
    stageOf(cs.map(([step, state]) => ({ step, state })));
  assert.deepEqual(at(['extract', 'running'], ['translate', 'pending']), {
    stage: 'extract',
    allTranslated: false,
  });
  assert.deepEqual(at(['translate', 'done'], ['translate', 'running']), {
    stage: 'translate',
    allTranslated: false,
  });
  assert.deepEqual(at(['translate', 'done'], ['translate', 'done']), {
    stage: 'render',
    allTranslated: true,
  });
});

test('a render report completes the job, is ignored when stale, and fails past the page-failure share', () => {
  const failed = (...pages: number[]): JobWarning[] =>
    pages.map((page) => ({ kind: 'page_failed', page, message: 'x' }) as JobWarning);
  const job = {
    render_state: 'running' as const,
    render_lease: 2,
    warnings: [] as JobWarning[],
    page_count: 20,
  };
  assert.equal(renderOutcome(job, 2, 0.1), 'complete');
  assert.equal(renderOutcome(job, 1, 0.1), 'complete', 'an earlier lease finishing the same work');
  assert.equal(renderOutcome(job, 3, 0.1), 'ignore', 'a lease not issued yet');
  assert.equal(renderOutcome({ ...job, render_state: null }, 2, 0.1), 'ignore');
  assert.equal(renderOutcome({ ...job, render_state: 'done' }, 2, 0.1), 'ignore');
  // Partial success: two of twenty pages failed is 10%, within the share; three is not.
  assert.equal(renderOutcome({ ...job, warnings: failed(3, 4) }, 2, 0.1), 'complete');
  assert.equal(
    renderOutcome({ ...job, warnings: failed(3, 3, 4) }, 2, 0.1),
    'complete',
    'a page counts once',
  );
  assert.deepEqual(renderOutcome({ ...job, warnings: failed(3, 4, 5) }, 2, 0.1), {
    fail: { code: 'TOO_MANY_PAGE_FAILURES', message: '3 of 20 pages failed' },
  });
  const other = [{ kind: 'ocr_failed', page: 1, message: 'x' } as JobWarning];
  assert.equal(renderOutcome({ ...job, warnings: other }, 2, 0), 'complete');
});

test('after a lease lapses, a stored result is used when the page count is known', () => {
  assert.equal(lapsedStepHasResult('translate', true, null, undefined), true);
  assert.equal(lapsedStepHasResult('translate', false, 10, undefined), false);
  assert.equal(lapsedStepHasResult('extract', true, 10, undefined), true);
  assert.equal(lapsedStepHasResult('extract', true, null, 23), true, 'read from the stored layout');
  assert.equal(lapsedStepHasResult('extract', true, null, undefined), false);
  assert.equal(lapsedStepHasResult('extract', false, 10, 23), false);
});

test('a lapsed or unclaimed step is re-issued only while it is still the run that was seen', () => {
  const seen = chunk({ lease: 3, holder: 'h1' });
  assert.equal(sameRun(chunk({ lease: 3, holder: 'h1' }), seen), true);
  assert.equal(sameRun(undefined, seen), false);
  assert.equal(sameRun(chunk({ lease: 4, holder: null }), seen), false, 'already re-issued');
  assert.equal(sameRun(chunk({ lease: 3, holder: 'h2' }), seen), false, 'taken over');
  assert.equal(sameRun(chunk({ lease: 3, holder: 'h1', state: 'cancelled' }), seen), false);
  assert.equal(sameRun(chunk({ lease: 3, holder: 'h1', step: 'translate' }), seen), false);
  const unclaimed = chunk({ lease: 3 });
  assert.equal(sameRun(chunk({ lease: 3 }), unclaimed), true);
  assert.equal(sameRun(chunk({ lease: 3, holder: 'h1' }), unclaimed), false, 'claimed meanwhile');
});
