import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';
import { REDACTED, redactConfig } from './redact.js';
import { VARIABLE_NAMES, VARIABLES } from './variables.js';

const KEY = Buffer.alloc(32, 1).toString('base64');
const CLUSTER = {
  DOCAT_MODE: 'cluster',
  DATABASE_URL: 'postgres://docat:pw@db:5432/docat',
  REDIS_URL: 'redis://redis:6379',
  DOCAT_ENCRYPTION_KEY: KEY,
  S3_BUCKET: 'docat',
};

function issuesOf(env: NodeJS.ProcessEnv): Map<string, string> {
  try {
    loadConfig(env, { cwd: '/srv/docat' });
  } catch (err) {
    assert.ok(err instanceof ConfigError, 'loadConfig must throw ConfigError');
    return new Map(err.issues.map((i) => [i.variable, i.message]));
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  test('an empty environment is a working standalone setup', () => {
    const config = loadConfig({}, { cwd: '/srv/docat' });
    assert.equal(config.mode, 'standalone');
    assert.equal(config.http.port, 8080);
    assert.equal(config.dataDir, '/srv/docat/data');
    assert.deepEqual(config.storage, { driver: 'fs', root: '/srv/docat/data/objects' });
    assert.equal(config.database.url, undefined);
    assert.equal(config.redis.keyPrefix, 'docat');
    assert.equal(config.limits.maxUploadBytes, 50_000_000);
    assert.equal(config.limits.maxPages, 500);
    assert.equal(config.accounts.accessTtlSeconds, 900);
    assert.equal(config.accounts.registration, 'open');
    assert.deepEqual(config.rateLimits, {
      pdfUpload: { limit: 10, windowMs: 3_600_000 },
      apiGeneral: { limit: 1000, windowMs: 3_600_000 },
      authLogin: { limit: 5, windowMs: 60_000 },
      passwordReset: { limit: 3, windowMs: 3_600_000 },
      byPlan: {
        plus: {
          pdf_upload: { limit: 50, windowMs: 3_600_000 },
          api_general: { limit: 5000, windowMs: 3_600_000 },
        },
        pro: {
          pdf_upload: { limit: 200, windowMs: 3_600_000 },
          api_general: { limit: 20000, windowMs: 3_600_000 },
        },
      },
      loginLockout: { limit: 10, windowMs: 900_000 },
    });
    assert.deepEqual(config.retention, {
      uploads: 24 * 3_600_000,
      results: 30 * 86_400_000,
      jobs: 730 * 86_400_000,
      accounts: 7 * 365 * 86_400_000,
      resultCacheTtl: 2 * 3_600_000,
      sweepInterval: 3_600_000,
      sweepBatch: 500,
    });
    assert.equal(config.pdf.respectPermissions, true);
    assert.deepEqual(config.translation.engines, []);
  });

  test('the result is deeply frozen', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example' });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.rateLimits.pdfUpload));
    assert.ok(Object.isFrozen(config.http.corsOrigins));
    assert.throws(() => {
      (config.http as { port: number }).port = 1;
    }, TypeError);
  });

  test('empty assignments mean unset', () => {
    const config = loadConfig({ PORT: '', REDIS_KEY_PREFIX: '  ' });
    assert.equal(config.http.port, 8080);
    assert.equal(config.redis.keyPrefix, 'docat');
  });

  test('REDIS_CACHE_URL defaults to REDIS_URL and may differ', () => {
    assert.equal(loadConfig({ REDIS_URL: 'redis://a:6379' }).redis.cacheUrl, 'redis://a:6379');
    const split = loadConfig({ REDIS_URL: 'redis://a:6379', REDIS_CACHE_URL: 'redis://b:6379/2' });
    assert.equal(split.redis.cacheUrl, 'redis://b:6379/2');
  });
});

describe('loadConfig values', () => {
  test('parses numbers, lists, booleans and durations', () => {
    const config = loadConfig({
      PORT: '3000',
      MAX_UPLOAD_BYTES: '10_000_000',
      PAGE_FAILURE_SHARE: '0.25',
      CORS_ORIGINS: 'https://a.example, http://localhost:5173/',
      WEBHOOK_ALLOWED_HOSTS: 'hooks.internal,*.corp.example',
      RESPECT_PDF_PERMISSIONS: 'false',
      RETENTION_UPLOADS: '90m',
      RATE_LIMIT_PDF_UPLOAD: '100/15m',
      TRANSLATION_ENGINES: 'deepl,pseudo',
      DEEPL_AUTH_KEY: 'k:fx',
      DEFAULT_ENGINE: 'deepl',
    });
    assert.equal(config.http.port, 3000);
    assert.equal(config.limits.maxUploadBytes, 10_000_000);
    assert.equal(config.limits.pageFailureShare, 0.25);
    assert.deepEqual(config.http.corsOrigins, ['https://a.example', 'http://localhost:5173']);
    assert.deepEqual(config.webhooks.allowedHosts, ['hooks.internal', '*.corp.example']);
    assert.equal(config.pdf.respectPermissions, false);
    assert.equal(config.retention.uploads, 90 * 60_000);
    assert.deepEqual(config.rateLimits.pdfUpload, { limit: 100, windowMs: 900_000 });
    assert.deepEqual(config.translation.engines, ['deepl', 'pseudo']);
    assert.equal(config.translation.defaultEngine, 'deepl');
  });

  test('reports every bad variable at once, each by name', () => {
    const issues = issuesOf({
      PORT: '70000',
      DOCAT_MODE: 'cloud',
      RETENTION_RESULTS: '30',
      RATE_LIMIT_AUTH_LOGIN: 'five/minute',
      PAGE_FAILURE_SHARE: '1.5',
      DATABASE_URL: 'mysql://x',
      RESPECT_PDF_PERMISSIONS: 'maybe',
      CORS_ORIGINS: 'https://ok.example,https://bad.example/path',
      TRANSLATION_ENGINES: 'deepl,babelfish',
      REDIS_KEY_PREFIX: '{docat}',
    });
    assert.deepEqual([...issues.keys()].sort(), [
      'CORS_ORIGINS',
      'DATABASE_URL',
      'DOCAT_MODE',
      'PAGE_FAILURE_SHARE',
      'PORT',
      'RATE_LIMIT_AUTH_LOGIN',
      'REDIS_KEY_PREFIX',
      'RESPECT_PDF_PERMISSIONS',
      'RETENTION_RESULTS',
      'TRANSLATION_ENGINES',
    ]);
    assert.match(issues.get('PORT')!, /1 to 65535/);
    assert.match(issues.get('TRANSLATION_ENGINES')!, /babelfish/);
  });

  test('the error message lists one line per variable', () => {
    assert.throws(
      () => loadConfig({ PORT: 'x', MAX_PAGES: '0' }),
      (err: Error) =>
        /2 problems/.test(err.message) &&
        /\n {2}PORT: /.test(err.message) &&
        /\n {2}MAX_PAGES: /.test(err.message),
    );
  });

  test('secret and connection-string values never appear in errors', () => {
    const issues = issuesOf({
      DATABASE_URL: 'postgresql-ish://user:hunter2hunter2@db',
      DOCAT_ADMIN_PASSWORD: 'hunter2',
      DOCAT_ADMIN_EMAIL: 'a@b.example',
    });
    const text = [...issues.values()].join('\n');
    assert.ok(issues.has('DATABASE_URL') && issues.has('DOCAT_ADMIN_PASSWORD'));
    assert.doesNotMatch(text, /hunter2/);
  });
});

describe('cluster mode', () => {
  test('requires DATABASE_URL, REDIS_URL, DOCAT_ENCRYPTION_KEY and an S3 bucket', () => {
    const issues = issuesOf({ DOCAT_MODE: 'cluster' });
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'DOCAT_ENCRYPTION_KEY', 'S3_BUCKET']) {
      assert.ok(issues.has(name), `${name} must be reported`);
    }
  });

  test('loads with those set and defaults storage to S3', () => {
    const config = loadConfig({ ...CLUSTER, S3_ENDPOINT: 'http://minio:9000', S3_SSE: 'AES256' });
    assert.equal(config.mode, 'cluster');
    assert.deepEqual(config.storage, {
      driver: 's3',
      endpoint: 'http://minio:9000',
      bucket: 'docat',
      region: 'us-east-1',
      accessKeyId: undefined,
      secretAccessKey: undefined,
      forcePathStyle: true,
      serverSideEncryption: 'AES256',
      sseKmsKeyId: undefined,
      publicUrl: undefined,
    });
    const aws = loadConfig(CLUSTER).storage;
    assert.ok(aws.driver === 's3' && aws.forcePathStyle === false && aws.endpoint === undefined);
  });

  test('defaults to s3, and takes filesystem storage only when asked for (one machine)', () => {
    assert.equal(loadConfig(CLUSTER).storage.driver, 's3');
    const { S3_BUCKET: _bucket, ...noBucket } = CLUSTER;
    assert.match(issuesOf(noBucket).get('S3_BUCKET')!, /required/);
    const local = loadConfig(
      { ...noBucket, STORAGE_DRIVER: 'fs', DOCAT_DATA_DIR: 'state' },
      { cwd: '/srv/docat' },
    ).storage;
    assert.deepEqual(local, { driver: 'fs', root: '/srv/docat/state/objects' });
  });

  test('rejects an encryption key of the wrong length', () => {
    const issues = issuesOf({
      ...CLUSTER,
      DOCAT_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64'),
    });
    assert.match(issues.get('DOCAT_ENCRYPTION_KEY')!, /32 random bytes/);
  });
});

describe('cross-variable rules', () => {
  test('pairs that must be set together', () => {
    assert.ok(issuesOf({ DOCAT_ADMIN_EMAIL: 'admin@example.com' }).has('DOCAT_ADMIN_PASSWORD'));
    assert.ok(
      issuesOf({ STORAGE_DRIVER: 's3', S3_BUCKET: 'b1b', S3_ACCESS_KEY_ID: 'id' }).has(
        'S3_SECRET_ACCESS_KEY',
      ),
    );
  });

  test('enabled engines need their credentials; a local OpenAI-compatible server needs none', () => {
    assert.match(
      issuesOf({ TRANSLATION_ENGINES: 'anthropic' }).get('TRANSLATION_ENGINES')!,
      /ANTHROPIC_API_KEY/,
    );
    assert.match(
      issuesOf({ TRANSLATION_ENGINES: 'openai' }).get('TRANSLATION_ENGINES')!,
      /OPENAI_API_KEY/,
    );
    const local = loadConfig({
      TRANSLATION_ENGINES: 'openai',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
    });
    assert.equal(local.translation.openai.baseUrl, 'http://127.0.0.1:11434/v1');
  });

  test('DEFAULT_ENGINE must be enabled, ports must differ, KMS key needs aws:kms', () => {
    assert.ok(
      issuesOf({ TRANSLATION_ENGINES: 'pseudo', DEFAULT_ENGINE: 'deepl' }).has('DEFAULT_ENGINE'),
    );
    assert.ok(issuesOf({ PORT: '9000', MANAGEMENT_PORT: '9000' }).has('MANAGEMENT_PORT'));
    assert.ok(
      issuesOf({ STORAGE_DRIVER: 's3', S3_BUCKET: 'bkt', S3_SSE_KMS_KEY_ID: 'k' }).has(
        'S3_SSE_KMS_KEY_ID',
      ),
    );
  });
});

describe('redactConfig', () => {
  test('masks every secret variable and keeps hosts of connection strings', () => {
    const env: NodeJS.ProcessEnv = {
      ...CLUSTER,
      DATABASE_URL: 'postgres://docat:SENTINEL-db@db:5432/docat?password=SENTINEL-q',
      DATABASE_REPLICA_URLS: 'postgres://r:SENTINEL-r@replica:5432/docat',
      DATABASE_DIRECT_URL: 'postgres://docat:SENTINEL-direct@db:5432/docat',
      REDIS_URL: 'redis://:SENTINEL-redis@redis:6379',
      REDIS_CACHE_URL: 'rediss://cache:SENTINEL-cache@cache:6380/1',
      S3_ACCESS_KEY_ID: 'AKIA',
      DOCAT_ADMIN_EMAIL: 'admin@example.com',
      MAIL_SMTP_URL: 'smtp://mailer:SENTINEL-smtp@mail:587',
      DOCAT_ENCRYPTION_KEYS_PREVIOUS: Buffer.alloc(32, 2).toString('base64'),
    };
    const secretNames = VARIABLE_NAMES.filter((name) => 'secret' in VARIABLES[name]);
    for (const name of secretNames) {
      if (env[name] === undefined)
        env[name] = name === 'DOCAT_ADMIN_PASSWORD' ? 'SENTINEL-admin-pw' : `SENTINEL-${name}`;
    }
    const config = loadConfig(env);
    const plain = JSON.stringify(config);
    const redacted = JSON.stringify(redactConfig(config));
    assert.match(plain, /SENTINEL/);
    assert.doesNotMatch(redacted, /SENTINEL/);
    assert.doesNotMatch(redacted, new RegExp(KEY.replace(/[+/=]/g, '\\$&')));
    assert.match(redacted, /postgres:\/\/\[redacted\]@db:5432\/docat\?\[redacted\]/);
    assert.match(redacted, /redis:\/\/\[redacted\]@redis:6379/);
    assert.equal(redactConfig(config).encryption.key, REDACTED);
    assert.equal(redactConfig(config).limits.maxPages, 500);
    assert.ok(secretNames.length >= 14);
  });
});
