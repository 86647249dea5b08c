import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobEvent } from '@docat/contracts';
import { PipelineProgress, Progress, stageOfEvent } from './progress.js';

function sink(isTTY: boolean): {
  out: { isTTY: boolean; write(text: string): boolean };
  text(): string;
} {
  const chunks: string[] = [];
  return { out: { isTTY, write: (t: string) => chunks.push(t) > 0 }, text: () => chunks.join('') };
}

function progressEvent(
  seq: number,
  stage: JobEvent['stage'],
  stages: NonNullable<JobEvent['progress']>['stages'],
  etaSeconds?: number,
): JobEvent {
  return {
    jobId: 'j',
    seq,
    type: 'progress',
    state: 'processing',
    stage,
    progress: { percent: 0, stages, ...(etaSeconds !== undefined ? { etaSeconds } : {}) },
    at: '2026-01-01T00:00:00.000Z',
  };
}

describe('Progress', () => {
  test('plain lines when not a terminal: one per stage change and per tenth of the way', () => {
    const s = sink(false);
    let clock = 0;
    const progress = new Progress(s.out, false, () => clock);
    for (let done = 0; done <= 20; done++) {
      clock += 1000;
      progress.update('extract', done, 20, 'pages');
    }
    const lines = s.text().trim().split('\n');
    assert.equal(lines.length, 11);
    assert.equal(lines[0], 'extract: 0/20 pages');
    assert.match(lines[1]!, /^extract: 2\/20 pages ETA \d+s$/);
    assert.equal(lines.at(-1), 'extract: 20/20 pages');
    assert.ok(!s.text().includes('\r'));
  });

  test('a redrawn bar with ETA in a terminal, a new line per stage', () => {
    const s = sink(true);
    const progress = new Progress(s.out);
    progress.update('extract', 7, 14, 'pages', 30);
    progress.update('translate', 1, 4, 'segments', 12);
    progress.finish();
    assert.equal(
      s.text(),
      '\rextract    [############------------] 7/14 pages ETA 30s   \n\rtranslate  [######------------------] 1/4 segments ETA 12s   \n',
    );
  });

  test('quiet writes nothing', () => {
    const s = sink(false);
    const progress = new Progress(s.out, true);
    progress.update('extract', 1, 2, 'pages');
    progress.note('x');
    assert.equal(s.text(), '');
  });

  test('job events (the SSE shape) drive the same bar: current stage, done/total, unit and the job ETA', () => {
    const s = sink(false);
    const progress = new Progress(s.out);
    progress.event(
      progressEvent(1, 'extract', { extract: { done: 7, total: 14, unit: 'pages' } }, 40),
    );
    progress.event(
      progressEvent(
        2,
        'translate',
        {
          extract: { done: 14, total: 14, unit: 'pages' },
          translate: { done: 3, total: 30, unit: 'segments' },
        },
        20,
      ),
    );
    progress.event({
      ...progressEvent(3, 'render', {}),
      type: 'failed',
      state: 'failed',
      error: { code: 'ENGINE_FAILED', message: 'boom' },
    });
    assert.equal(
      s.text(),
      'extract: 7/14 pages ETA 40s\ntranslate: 3/30 segments ETA 20s\nfailed: ENGINE_FAILED: boom\n',
    );
  });

  test('stageOfEvent falls back to the furthest stage with counts', () => {
    const event = progressEvent(1, 'done', {
      extract: { done: 14, total: 14, unit: 'pages' },
      render: { done: 2, total: 14, unit: 'pages' },
    });
    assert.deepEqual(stageOfEvent(event), {
      stage: 'render',
      progress: { done: 2, total: 14, unit: 'pages' },
    });
    assert.equal(stageOfEvent({ ...event, progress: undefined }), undefined);
  });

  test("the pipeline's counts go through the job-event shape: one bar per stage (pages, segments, pages) with the stage ETA", () => {
    const s = sink(true);
    let clock = 0;
    const pipeline = new PipelineProgress(new Progress(s.out, false, () => clock), () => clock);
    for (let page = 0; page <= 4; page++) {
      pipeline.report('extract', page, 4, 'pages');
      clock += 1_000;
    }
    for (let done = 0; done <= 30; done += 10) {
      pipeline.report('translate', done, 30, 'segments');
      clock += 500;
    }
    pipeline.report('render', 0, 4, 'pages');
    const lines = s.text().split('\n');
    assert.equal(lines.length, 3, 'a line per stage, redrawn in place');
    // After 2 of 4 pages in 2 s, the stage's own rate gives 2 s left.
    assert.ok(
      lines[0]!.includes('\rextract    [############------------] 2/4 pages ETA 2s'),
      lines[0],
    );
    assert.ok(lines[0]!.endsWith('4/4 pages   '), lines[0]);
    assert.ok(
      lines[1]!.includes('\rtranslate  [################--------] 20/30 segments ETA 1s'),
      lines[1],
    );
    assert.ok(lines[2]!.startsWith('\rrender     [------------------------] 0/4 pages'), lines[2]);
  });
});
