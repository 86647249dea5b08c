import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadOptionsSchema } from '@docat/contracts';
import { idempotencyRequestHash } from './idempotency.js';

const sha = 'a'.repeat(64);

test('the same file and options give the same hash, whatever the field order or the order of the outputs', () => {
  const a = uploadOptionsSchema.parse({ targetLanguage: 'de', outputs: 'md,pdf', pages: '1-2' });
  const b = uploadOptionsSchema.parse({ pages: '1-2', outputs: 'pdf,md', targetLanguage: 'de' });
  assert.equal(idempotencyRequestHash(sha, a, false), idempotencyRequestHash(sha, b, false));
});

test('another file, any other option, or a password makes another request', () => {
  const base = uploadOptionsSchema.parse({ targetLanguage: 'de' });
  const hash = idempotencyRequestHash(sha, base, false);
  assert.notEqual(idempotencyRequestHash('b'.repeat(64), base, false), hash);
  assert.notEqual(idempotencyRequestHash(sha, { ...base, targetLanguage: 'fr' }, false), hash);
  assert.notEqual(
    idempotencyRequestHash(sha, { ...base, webhookUrl: 'https://example.org/hook' }, false),
    hash,
  );
  assert.notEqual(idempotencyRequestHash(sha, { ...base, noCache: true }, false), hash);
  assert.notEqual(idempotencyRequestHash(sha, base, true), hash);
});
