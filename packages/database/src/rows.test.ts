import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { parseRows, RowShapeError, rowsOf } from './rows.js';

const row = z.object({ id: z.string(), options: z.object({ pages: z.string().optional() }) });

test('rowsOf reads a SELECT answer and an UPDATE answer alike', () => {
  const rows = [{ id: 'a' }];
  assert.equal(rowsOf(rows), rows);
  assert.equal(rowsOf([rows, 1]), rows);
  assert.deepEqual(rowsOf([[], 0]), []);
  assert.throws(() => rowsOf(undefined), TypeError);
});

test('parseRows checks each row and its JSON columns, and names the table and the field', () => {
  assert.deepEqual(parseRows('jobs', row, [{ id: 'a', options: { pages: '1-2' }, extra: 1 }]), [
    { id: 'a', options: { pages: '1-2' } },
  ]);
  assert.throws(
    () => parseRows('jobs', row, [[{ id: 'a', options: { pages: 7 } }], 1]),
    (err: unknown) =>
      err instanceof RowShapeError &&
      err.table === 'jobs' &&
      err.issues.length === 1 &&
      err.issues[0]!.path === 'options.pages',
  );
});
