import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidKey, assertValidPrefix, InvalidObjectKeyError, isValidKey } from './keys.js';
import { INVALID_KEYS } from './invalid-keys.fixture.js';

describe('object keys', () => {
  test('accepts the keys Docat builds', () => {
    for (const key of [
      'uploads/0192f0c4-7b5e-7abc-8def-0123456789ab/source.pdf',
      'results/j1/out.de.pdf',
      'a',
      'A_b-c.d/e.f',
    ]) {
      assert.equal(isValidKey(key), true, key);
      assert.doesNotThrow(() => assertValidKey(key));
    }
  });

  test('rejects traversal, absolute paths, NUL, dot-segments and other characters', () => {
    for (const key of INVALID_KEYS) {
      assert.equal(isValidKey(key), false, JSON.stringify(key));
      assert.throws(() => assertValidKey(key), InvalidObjectKeyError, JSON.stringify(key));
    }
  });

  test('prefixes may be empty or end in a slash, but follow the same rules', () => {
    for (const prefix of ['', 'jobs/', 'jobs/12', 'jobs/12/'])
      assert.doesNotThrow(() => assertValidPrefix(prefix), prefix);
    for (const prefix of ['../', '/jobs', 'jobs//', 'jobs/../', '.tmp/']) {
      assert.throws(() => assertValidPrefix(prefix), InvalidObjectKeyError, prefix);
    }
  });
});
