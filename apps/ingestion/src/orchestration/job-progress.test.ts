import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChunkRow } from '../jobs/job.row.js';
import { computeProgress } from './job-progress.js';

function chunk(n: number, from: number, to: number, step: ChunkRow['step'], state: ChunkRow['state']): ChunkRow {
  return { job_id: 'j', chunk: n, user_id: 'u', page_from: from, page_to: to, step, state, lease: 0, lease_expires_at: null, billed_characters: 0 };
}

describe('computeProgress', () => {
  test('weighs extracted and translated pages, never 100 before rendering', () => {
    const chunks = [chunk(0, 1, 4, 'translate', 'done'), chunk(1, 5, 8, 'translate', 'pending'), chunk(2, 9, 10, 'extract', 'running')];
    const p = computeProgress(chunks, false);
    assert.deepEqual(p.stages.extract, { done: 8, total: 10, unit: 'pages' });
    assert.deepEqual(p.stages.translate, { done: 4, total: 10, unit: 'pages' });
    assert.equal(p.percent, Math.floor(5 + 45 * 0.8 + 40 * 0.4));
    const allDone = [chunk(0, 1, 4, 'translate', 'done')];
    assert.equal(computeProgress(allDone, false).percent, 90);
    assert.equal(computeProgress(allDone, true).percent, 100);
  });
});
