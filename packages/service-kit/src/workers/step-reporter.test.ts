import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENTS, chunkStepProgressSchema, type ChunkStepProgress } from '@docat/contracts';
import type { BusClient } from '../ports.js';
import { STEP_PROGRESS_INTERVAL_MS, StepReporter } from './step-reporter.js';

/** Records what a worker would put on the bus. */
function recordingBus(fail = false): { bus: BusClient; sent: ChunkStepProgress[] } {
  const sent: ChunkStepProgress[] = [];
  const bus: BusClient = {
    call: () => Promise.reject(new Error('not used')),
    emit: (event, data) => {
      assert.equal(event, EVENTS.CHUNK_STEP_PROGRESS);
      sent.push(chunkStepProgressSchema.parse(data));
      return fail ? Promise.reject(new Error('bus down')) : Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return { bus, sent };
}

describe('StepReporter.progressOf', () => {
  const ref = { jobId: 'j', chunk: 2, step: 'extract' as const, lease: 1 };

  test('a 500-page chunk reported page by page sends a handful of reports, the first and the last among them', () => {
    const { bus, sent } = recordingBus();
    let clock = 0;
    const report = new StepReporter(bus).progressOf(ref, 'pages', 'u', () => clock);
    for (let page = 0; page <= 500; page++) {
      report(page, 500);
      clock += 10; // a page every 10 ms: 5 s in all
    }
    assert.ok(sent.length >= 20 && sent.length <= 22, `${sent.length} reports`);
    assert.deepEqual(sent[0], { ...ref, done: 0, total: 500, unit: 'pages' });
    assert.equal(sent.at(-1)?.done, 500);
    for (let i = 1; i < sent.length - 1; i++)
      assert.ok(sent[i]!.done - sent[i - 1]!.done >= STEP_PROGRESS_INTERVAL_MS / 10);
  });

  test('repeats are not sent, and a bus failure never reaches the step', async () => {
    const { bus, sent } = recordingBus(true);
    const report = new StepReporter(bus).progressOf(ref, 'segments', undefined, () => 0);
    report(3, 3);
    report(3, 3);
    await new Promise((r) => setImmediate(r));
    assert.equal(sent.length, 1);
  });
});
