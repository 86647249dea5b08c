import { test } from 'node:test';
import assert from 'node:assert/strict';
import { periodOf } from './credit-period.js';

test('a month period runs from the first of the month to the first of the next, UTC', () => {
  const p = periodOf(new Date('2026-12-31T23:59:59.999Z'), 'month');
  assert.equal(p.start.toISOString(), '2026-12-01T00:00:00.000Z');
  assert.equal(p.end.toISOString(), '2027-01-01T00:00:00.000Z');
  assert.equal(
    periodOf(new Date('2027-01-01T00:00:00.000Z'), 'month').start.toISOString(),
    '2027-01-01T00:00:00.000Z',
  );
});

test('a week period starts on Monday; a day period at midnight', () => {
  // 2026-11-29 is a Sunday.
  const week = periodOf(new Date('2026-11-29T12:00:00Z'), 'week');
  assert.equal(week.start.toISOString(), '2026-11-23T00:00:00.000Z');
  assert.equal(week.end.toISOString(), '2026-11-30T00:00:00.000Z');
  assert.equal(
    periodOf(new Date('2026-11-30T00:00:00Z'), 'week').start.toISOString(),
    '2026-11-30T00:00:00.000Z',
  );
  const day = periodOf(new Date('2026-02-28T23:00:00Z'), 'day');
  assert.deepEqual(
    [day.start.toISOString(), day.end.toISOString()],
    ['2026-02-28T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
  );
});
