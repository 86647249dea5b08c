import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobProgressSchema } from './jobs.js';
import {
  ProgressEstimator,
  composeProgress,
  stageEtaSeconds,
  startClocks,
  type StageClocks,
} from './progress-estimate.js';

describe('progress estimate', () => {
  test('a stage ETA comes from the rate observed since its clock started', () => {
    assert.equal(stageEtaSeconds(5, 20, undefined, 10_000), undefined);
    assert.equal(
      stageEtaSeconds(5, 20, { at: 9_500, done: 0 }, 10_000),
      undefined,
      'under a second observed',
    );
    assert.equal(stageEtaSeconds(0, 20, { at: 0, done: 0 }, 10_000), undefined, 'no advance yet');
    // 5 pages in 10 s: the 15 left take 30 s.
    assert.equal(stageEtaSeconds(5, 20, { at: 0, done: 0 }, 10_000), 30);
    // The base is where the clock started, not zero: 4 pages in 2 s, 10 left.
    assert.equal(stageEtaSeconds(10, 20, { at: 8_000, done: 6 }, 10_000), 5);
    assert.equal(stageEtaSeconds(20, 20, undefined, 0), 0);
  });

  test('composed progress: weighted percent, per-stage ETA, job ETA the longest of the stages under way', () => {
    const clocks: StageClocks = startClocks(
      {
        extract: { done: 0, total: 14, unit: 'pages' },
        translate: { done: 0, total: 100, unit: 'segments' },
      },
      {},
      0,
    );
    const progress = composeProgress(
      {
        extract: { done: 7, total: 14, unit: 'pages' },
        translate: { done: 10, total: 100, unit: 'segments' },
      },
      clocks,
      7_000,
    );
    jobProgressSchema.parse(progress);
    assert.deepEqual(progress.stages.extract, { done: 7, total: 14, unit: 'pages', etaSeconds: 7 });
    assert.deepEqual(progress.stages.translate, {
      done: 10,
      total: 100,
      unit: 'segments',
      etaSeconds: 63,
    });
    assert.equal(progress.etaSeconds, 63);
    assert.equal(progress.percent, Math.floor(5 + 45 * 0.5 + 40 * 0.1));
    const finished = composeProgress(
      { extract: { done: 7, total: 14, unit: 'pages' } },
      clocks,
      9_000,
      true,
    );
    assert.equal(finished.percent, 100);
    assert.deepEqual(finished.stages.extract, {
      done: 14,
      total: 14,
      unit: 'pages',
      etaSeconds: 0,
    });
    assert.equal(finished.etaSeconds, undefined);
  });

  test('the estimator a single process uses: later stages close earlier ones, never over 99 before finish', () => {
    let clock = 0;
    const estimator = new ProgressEstimator(() => clock);
    estimator.update('extract', 0, 10, 'pages');
    clock = 2_000;
    const mid = estimator.update('extract', 4, 10, 'pages');
    assert.equal(mid.stages.extract?.etaSeconds, 3);
    clock = 3_000;
    const translating = estimator.update('translate', 0, 50, 'segments');
    assert.equal(translating.stages.extract?.done, 10);
    assert.ok(translating.percent >= 50 && translating.percent < 99);
    clock = 5_000;
    assert.equal(estimator.update('translate', 25, 50, 'segments').stages.translate?.etaSeconds, 2);
    assert.equal(estimator.update('translate', 50, 50, 'segments').percent, 90);
    assert.equal(estimator.finish().percent, 100);
  });
});
