import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUuidV7 } from '@docat/contracts';
import { stableJobId } from './job-id.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('an idempotency key maps to the same version 5 UUID every time', () => {
  const id = stableJobId('job-1:chunk-3:translate');
  assert.match(id, UUID_V5);
  assert.equal(stableJobId('job-1:chunk-3:translate'), id);
  assert.notEqual(stableJobId('job-1:chunk-4:translate'), id);
});

test('a UUID key is kept, lower-cased; no key gets a fresh UUIDv7', () => {
  assert.equal(
    stableJobId('0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B'),
    '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  );
  const a = stableJobId();
  assert.ok(isUuidV7(a));
  assert.notEqual(stableJobId(), a);
  assert.throws(() => stableJobId(''), RangeError);
});
