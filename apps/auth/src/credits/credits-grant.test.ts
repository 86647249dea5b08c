import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, loadConfig } from '@docat/config';
import type { CreditsRepository } from './credits.repository.js';
import { CreditsService } from './credits.service.js';

// grantFor reads only the settings; the ledger is not reached.
const noLedger = {} as CreditsRepository;
const cluster = {
  DOCAT_MODE: 'cluster',
  DATABASE_URL: 'postgres://h/db',
  REDIS_URL: 'redis://h',
  DOCAT_ENCRYPTION_KEY: generateKey(),
  S3_BUCKET: 'docat',
};

test('standalone mode is unlimited by default, cluster mode enforces plans', () => {
  const standalone = new CreditsService(noLedger, loadConfig({}).credits);
  assert.equal(standalone.grantFor({ plan: 'free', emailVerified: false }), null);
  const enforced = new CreditsService(noLedger, loadConfig(cluster).credits);
  assert.equal(
    enforced.grantFor({ plan: 'free', emailVerified: false }),
    0,
    'nothing before verification',
  );
  assert.equal(enforced.grantFor({ plan: 'pro', emailVerified: true }), 1_000_000);
  assert.equal(enforced.grantFor({ plan: 'no-such-plan', emailVerified: true }), 0);
});

test('plans, rates and the verification rule come from configuration', () => {
  const config = loadConfig({
    ...cluster,
    CREDITS_PLAN_PLUS: '7',
    CREDITS_REQUIRE_VERIFIED_EMAIL: 'false',
    CREDITS_PER_OCR_PAGE: '3',
    CREDITS_PERIOD: 'week',
  });
  const credits = new CreditsService(noLedger, config.credits);
  assert.equal(credits.grantFor({ plan: 'plus', emailVerified: false }), 7);
  assert.equal(config.credits.rates.ocrPage, 3);
  assert.equal(
    credits.currentPeriod(new Date('2026-11-29T10:00:00Z')).start.toISOString(),
    '2026-11-23T00:00:00.000Z',
  );
  const unlimited = new CreditsService(
    noLedger,
    loadConfig({ ...cluster, CREDITS_UNLIMITED: 'true' }).credits,
  );
  assert.equal(unlimited.grantFor({ plan: 'free', emailVerified: false }), null);
});
