import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ARCHIVE_STORAGE_CLASS,
  bucketLifecycle,
  lifecycleJson,
  retentionFromEnv,
  type LifecycleRule,
} from './lifecycle.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const DAY = 24 * 60 * 60 * 1000;

function rule(lifecycle: ReturnType<typeof bucketLifecycle>, id: string): LifecycleRule {
  const found = lifecycle.Rules.find((r) => r.ID === id);
  assert.ok(found, id);
  return found;
}

/** What S3 itself checks on PUT lifecycle: increasing days, IA no sooner than 30, expiry after the last move. */
function assertValidForS3(r: LifecycleRule): void {
  const moves = r.Transitions ?? [];
  for (let i = 1; i < moves.length; i++) assert.ok(moves[i]!.Days > moves[i - 1]!.Days);
  for (const move of moves) if (move.StorageClass === 'STANDARD_IA') assert.ok(move.Days >= 30);
  if (moves.length > 0) assert.ok(r.Expiration.Days > moves.at(-1)!.Days);
  assert.ok(Number.isInteger(r.Expiration.Days) && r.Expiration.Days >= 1);
}

test('deploy/s3/lifecycle.json is what the generator makes from the default retention (run npm run synth -w @docat/deploy-config)', () => {
  const committed = readFileSync(join(root, 'deploy', 's3', 'lifecycle.json'), 'utf8');
  assert.equal(committed, lifecycleJson());
});

test('defaults: results expire after 30 days with no transition, uploads after a day', () => {
  const lifecycle = bucketLifecycle(retentionFromEnv({}));
  const results = rule(lifecycle, 'docat-results');
  assert.deepEqual(results.Filter, { Prefix: 'jobs/' });
  assert.equal(results.Expiration.Days, 30);
  assert.equal(results.Transitions, undefined);
  const uploads = rule(lifecycle, 'docat-uploads');
  assert.deepEqual(uploads.Filter, { Prefix: 'uploads/' });
  assert.equal(uploads.Expiration.Days, 1);
  for (const r of lifecycle.Rules) assertValidForS3(r);
});

test('longer retention: infrequent access after 30 days, archive after 90, expiry at the retention', () => {
  const sixty = rule(bucketLifecycle({ uploadsMs: DAY, resultsMs: 60 * DAY }), 'docat-results');
  assert.deepEqual(sixty.Transitions, [{ Days: 30, StorageClass: 'STANDARD_IA' }]);
  assert.equal(sixty.Expiration.Days, 60);
  assertValidForS3(sixty);
  const year = rule(
    bucketLifecycle(retentionFromEnv({ RETENTION_RESULTS: '365d', RETENTION_UPLOADS: '72h' })),
    'docat-results',
  );
  assert.deepEqual(year.Transitions, [
    { Days: 30, StorageClass: 'STANDARD_IA' },
    { Days: 90, StorageClass: ARCHIVE_STORAGE_CLASS },
  ]);
  assert.equal(year.Expiration.Days, 365);
  assertValidForS3(year);
  assert.equal(
    rule(bucketLifecycle(retentionFromEnv({ RETENTION_UPLOADS: '72h' })), 'docat-uploads')
      .Expiration.Days,
    3,
  );
});

test('partial days round up, so an object is never deleted before its retention', () => {
  assert.equal(
    rule(bucketLifecycle({ uploadsMs: 90 * 60 * 1000, resultsMs: 30.5 * DAY }), 'docat-uploads')
      .Expiration.Days,
    1,
  );
  assert.equal(
    rule(bucketLifecycle({ uploadsMs: DAY, resultsMs: 30.5 * DAY }), 'docat-results').Expiration
      .Days,
    31,
  );
});

test('a bad duration in the environment is a clear error', () => {
  assert.throws(
    () => retentionFromEnv({ RETENTION_RESULTS: 'a month' }),
    /RETENTION_RESULTS: expected a duration/,
  );
});
