import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChunkRow } from '../jobs/job.row.js';
import {
  computeProgress,
  emptyPartials,
  progressMoved,
  stageCounts,
  type ProgressPartials,
} from './job-progress.js';

function chunk(
  n: number,
  from: number,
  to: number,
  step: ChunkRow['step'],
  state: ChunkRow['state'],
): ChunkRow {
  return {
    job_id: 'j',
    chunk: n,
    user_id: 'u',
    page_from: from,
    page_to: to,
    step,
    state,
    lease: 0,
    lease_expires_at: null,
    holder: null,
    dispatched_at: null,
    runs: 0,
    billed_characters: 0,
  };
}

describe('computeProgress', () => {
  test('before the first extraction reports, the job counts the pages the upload declared', () => {
    // Chunk 0 is planned as pages 1-10 before anything is known; the file has 3 pages.
    const first = [chunk(0, 1, 10, 'extract', 'running')];
    const partials: ProgressPartials = {
      chunks: { 0: { extract: [1, 3] } },
      clocks: {},
      expectedPages: 3,
    };
    assert.deepEqual(stageCounts(first, partials).extract, { done: 1, total: 3, unit: 'pages' });
    // A 14-page file read in chunks of 4: 1 of 14, not 1 of 4.
    const book = [chunk(0, 1, 4, 'extract', 'running')];
    assert.deepEqual(
      stageCounts(book, { chunks: { 0: { extract: [1, 4] } }, clocks: {}, expectedPages: 14 })
        .extract,
      { done: 1, total: 14, unit: 'pages' },
    );
    // Once the rest is planned, the chunks are the truth.
    const planned = [chunk(0, 1, 4, 'translate', 'pending'), chunk(1, 5, 14, 'extract', 'pending')];
    assert.deepEqual(stageCounts(planned, { chunks: {}, clocks: {}, expectedPages: 99 }).extract, {
      done: 4,
      total: 14,
      unit: 'pages',
    });
    // Without a declared count, the first chunk as planned, as before.
    assert.deepEqual(
      stageCounts(first, { chunks: { 0: { extract: [1, 3] } }, clocks: {} }).extract,
      {
        done: 1,
        total: 10,
        unit: 'pages',
      },
    );
  });

  test('weighs extracted and translated pages, never 100 before rendering', () => {
    const chunks = [
      chunk(0, 1, 4, 'translate', 'done'),
      chunk(1, 5, 8, 'translate', 'pending'),
      chunk(2, 9, 10, 'extract', 'running'),
    ];
    const p = computeProgress(chunks, false);
    assert.deepEqual(p.stages.extract, { done: 8, total: 10, unit: 'pages' });
    assert.deepEqual(p.stages.translate, { done: 4, total: 10, unit: 'pages' });
    assert.equal(p.percent, Math.floor(5 + 45 * 0.8 + 40 * 0.4));
    const allDone = [chunk(0, 1, 4, 'translate', 'done')];
    assert.equal(computeProgress(allDone, false).percent, 90);
    assert.equal(computeProgress(allDone, true).percent, 100);
  });

  test('partials: pages of running extractions, segments known per chunk and estimated for the rest, pages rendered', () => {
    const chunks = [
      chunk(0, 1, 10, 'translate', 'done'),
      chunk(1, 11, 20, 'translate', 'running'),
      chunk(2, 21, 30, 'extract', 'running'),
    ];
    const partials: ProgressPartials = {
      chunks: { 0: { translate: [40, 40] }, 1: { translate: [10, 60] }, 2: { extract: [4, 10] } },
      clocks: {},
    };
    const counts = stageCounts(chunks, partials);
    assert.deepEqual(counts.extract, { done: 24, total: 30, unit: 'pages' });
    // Chunk 2 is estimated at the 5 segments per page seen so far.
    assert.deepEqual(counts.translate, { done: 50, total: 150, unit: 'segments' });
    assert.equal(counts.render, undefined);
    assert.deepEqual(stageCounts(chunks, { ...partials, render: [7, 30] }).render, {
      done: 7,
      total: 30,
      unit: 'pages',
    });
    assert.deepEqual(stageCounts(chunks, emptyPartials(), { renderStarted: true }).render, {
      done: 0,
      total: 30,
      unit: 'pages',
    });
  });

  test('counts never go back within a unit, and small moves make no event', () => {
    const chunks = [chunk(0, 1, 100, 'extract', 'running')];
    const first = computeProgress(
      chunks,
      false,
      { chunks: { 0: { extract: [50, 100] } }, clocks: {} },
      { now: 0 },
    );
    const late = computeProgress(
      chunks,
      false,
      { chunks: { 0: { extract: [40, 100] } }, clocks: {} },
      { now: 10, previous: first },
    );
    assert.equal(late.stages.extract?.done, 50);
    assert.equal(progressMoved(first, late), false);
    const tiny = computeProgress(
      chunks,
      false,
      { chunks: { 0: { extract: [50, 100] } }, clocks: {} },
      { now: 10, previous: first },
    );
    assert.equal(progressMoved(first, tiny), false);
    const moved = computeProgress(
      chunks,
      false,
      { chunks: { 0: { extract: [51, 100] } }, clocks: {} },
      { now: 10, previous: first },
    );
    assert.equal(progressMoved(first, moved), true);
    assert.equal(progressMoved(undefined, moved), true);
  });
});
