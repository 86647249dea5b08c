import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DocatError, type JobEvent } from '@docat/contracts';
import { isTerminalEvent, resumeAfter, sseComment, sseEvent } from './sse-format.js';

const event: JobEvent = {
  jobId: 'j',
  seq: 7,
  type: 'progress',
  state: 'processing',
  stage: 'extract',
  at: '2026-01-01T00:00:00.000Z',
};

describe('SSE format', () => {
  test('an event carries its seq as id and its type as event name, data on one line', () => {
    const text = sseEvent(event);
    assert.match(text, /^id: 7\nevent: progress\ndata: \{.*\}\n\n$/);
    assert.deepEqual(JSON.parse(text.split('\n')[2]!.slice('data: '.length)), event);
  });

  test('comments cannot break out of their line', () => {
    assert.equal(sseComment('a\nb'), ': a b\n\n');
  });

  test('resume point: header first, then query, else 0; junk is refused', () => {
    assert.equal(resumeAfter(undefined, {}), 0);
    assert.equal(resumeAfter('12', { lastEventId: '3' }), 12);
    assert.equal(resumeAfter(undefined, { lastEventId: '3' }), 3);
    assert.equal(resumeAfter(' ', undefined), 0);
    for (const bad of ['-1', 'abc', '1.5', '9999999999999999']) {
      assert.throws(
        () => resumeAfter(bad, {}),
        (err: unknown) => err instanceof DocatError && err.code === 'VALIDATION_FAILED',
        bad,
      );
    }
  });

  test('terminal events are completed, failed and cancelled', () => {
    assert.equal(isTerminalEvent(event), false);
    assert.equal(isTerminalEvent({ ...event, type: 'completed', state: 'completed' }), true);
    assert.equal(isTerminalEvent({ ...event, type: 'failed', state: 'failed' }), true);
    assert.equal(isTerminalEvent({ ...event, type: 'cancelled', state: 'cancelled' }), true);
  });
});
