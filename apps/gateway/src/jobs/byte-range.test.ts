import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { contentRange, etagMatches, parseRange } from './byte-range.js';

describe('parseRange', () => {
  test('no header serves everything', () => {
    assert.deepEqual(parseRange(undefined, 100), { kind: 'full' });
  });

  test('a closed range', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), {
      kind: 'partial',
      range: { start: 0, end: 9 },
    });
  });

  test('an open range runs to the end', () => {
    assert.deepEqual(parseRange('bytes=90-', 100), {
      kind: 'partial',
      range: { start: 90, end: 99 },
    });
  });

  test('an end past the body is clamped', () => {
    assert.deepEqual(parseRange('bytes=50-1000', 100), {
      kind: 'partial',
      range: { start: 50, end: 99 },
    });
  });

  test('a suffix range is the last N bytes, all of it when N exceeds the body', () => {
    assert.deepEqual(parseRange('bytes=-10', 100), {
      kind: 'partial',
      range: { start: 90, end: 99 },
    });
    assert.deepEqual(parseRange('bytes=-500', 100), {
      kind: 'partial',
      range: { start: 0, end: 99 },
    });
  });

  test('a start at or past the end is unsatisfiable', () => {
    assert.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=200-300', 100), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=0-0', 0), { kind: 'unsatisfiable' });
  });

  test('malformed, multi-range or other units are ignored (whole body)', () => {
    for (const header of [
      'bytes=5-1',
      'bytes=0-1,5-6',
      'items=0-1',
      'bytes=a-b',
      'bytes=-',
      'bytes 0-1',
      `bytes=0-${'9'.repeat(20)}`,
    ]) {
      assert.deepEqual(parseRange(header, 100), { kind: 'full' }, header);
    }
  });

  test('Content-Range renders the inclusive range and size', () => {
    assert.equal(contentRange({ start: 0, end: 9 }, 100), 'bytes 0-9/100');
  });
});

describe('etagMatches', () => {
  test('matches the same tag, a list containing it, a weak form, and *', () => {
    assert.equal(etagMatches('"abc"', '"abc"'), true);
    assert.equal(etagMatches('"x", "abc"', '"abc"'), true);
    assert.equal(etagMatches('W/"abc"', '"abc"'), true);
    assert.equal(etagMatches('*', '"abc"'), true);
  });

  test('does not match another tag or no header', () => {
    assert.equal(etagMatches('"abd"', '"abc"'), false);
    assert.equal(etagMatches(undefined, '"abc"'), false);
  });
});
