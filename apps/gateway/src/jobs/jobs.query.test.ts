import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJobCursor, DocatError, encodeJobCursor, uuidv7 } from '@docat/contracts';
import { jobIdParam, listQuery, resultFormat } from './jobs.query.js';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof DocatError ? error.code : 'not a DocatError';
  }
}

describe('job cursors', () => {
  test('round-trip a position through an opaque URL-safe string', () => {
    const position = { createdAt: '2025-03-01T12:34:56.789Z', id: uuidv7() };
    const cursor = encodeJobCursor(position);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeJobCursor(cursor), position);
  });

  test('refuse what no page returned', () => {
    assert.equal(decodeJobCursor(''), null);
    assert.equal(decodeJobCursor('not a cursor!'), null);
    assert.equal(decodeJobCursor(Buffer.from('yesterday|abc').toString('base64url')), null);
    assert.equal(
      decodeJobCursor(Buffer.from('2025-03-01T12:34:56.789Z').toString('base64url')),
      null,
    );
    assert.equal(decodeJobCursor('A'.repeat(200)), null);
  });

  test('the list query accepts a returned cursor and refuses a forged one', () => {
    const cursor = encodeJobCursor({ createdAt: new Date().toISOString(), id: uuidv7() });
    assert.deepEqual(listQuery({ cursor, limit: '5' }), { cursor, limit: 5 });
    assert.deepEqual(listQuery({}), { limit: 20 });
    assert.equal(
      codeOf(() => listQuery({ cursor: 'garbage' })),
      'VALIDATION_FAILED',
    );
    // Well-formed in every other way, but its id is not a UUID: it never reaches the database.
    const forged = encodeJobCursor({ createdAt: new Date().toISOString(), id: "1' OR '1'='1" });
    assert.equal(
      codeOf(() => listQuery({ cursor: forged })),
      'VALIDATION_FAILED',
    );
    assert.equal(
      codeOf(() =>
        listQuery({
          cursor: encodeJobCursor({ createdAt: new Date().toISOString(), id: 'not-a-uuid' }),
        }),
      ),
      'VALIDATION_FAILED',
    );
    assert.equal(
      codeOf(() => listQuery({ limit: '0' })),
      'VALIDATION_FAILED',
    );
    assert.equal(
      codeOf(() => listQuery({ limit: '101' })),
      'VALIDATION_FAILED',
    );
  });

  test('the list query filters by state and file name; an empty search is no filter', () => {
    assert.deepEqual(listQuery({ state: 'failed', q: ' trace ' }), {
      limit: 20,
      state: 'failed',
      q: 'trace',
    });
    assert.deepEqual(listQuery({ q: '   ' }), { limit: 20 });
    assert.equal(
      codeOf(() => listQuery({ state: 'done' })),
      'VALIDATION_FAILED',
    );
    assert.equal(
      codeOf(() => listQuery({ q: 'x'.repeat(201) })),
      'VALIDATION_FAILED',
    );
  });
});

describe('job route parameters', () => {
  test('a job id must be a UUID: anything else is a 400 before any service sees it', () => {
    const id = uuidv7();
    assert.equal(jobIdParam(id.toUpperCase()), id);
    assert.equal(
      codeOf(() => jobIdParam('../../etc')),
      'VALIDATION_FAILED',
    );
    assert.equal(
      codeOf(() => jobIdParam(`${id}x`)),
      'VALIDATION_FAILED',
    );
  });

  test('the result format is one of the outputs', () => {
    assert.equal(resultFormat({ format: 'md' }), 'md');
    assert.equal(
      codeOf(() => resultFormat({ format: 'docx' })),
      'VALIDATION_FAILED',
    );
    assert.equal(
      codeOf(() => resultFormat({})),
      'VALIDATION_FAILED',
    );
  });
});
