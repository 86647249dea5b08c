import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';
import { redactConfig } from './redact.js';

const BASE = {
  DOCAT_MODE: 'cluster',
  DATABASE_URL: 'postgres://docat:pw@db:5432/docat',
  DOCAT_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  S3_BUCKET: 'docat',
};

function issuesOf(env: NodeJS.ProcessEnv): Map<string, string> {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return new Map(err.issues.map((i) => [i.variable, i.message]));
  }
  assert.fail('expected a ConfigError');
}

describe('Redis topology', () => {
  test('REDIS_URL alone: a standalone topology, TLS only with rediss://', () => {
    assert.deepEqual(loadConfig({ ...BASE, REDIS_URL: 'redis://r:6379' }).redis.topology, {
      kind: 'standalone',
    });
    const tls = loadConfig({
      ...BASE,
      REDIS_URL: 'rediss://r:6380',
      REDIS_TLS_CA_FILE: '/etc/ca.pem',
    }).redis.topology;
    assert.deepEqual(tls, { kind: 'standalone', tls: { caFile: '/etc/ca.pem' } });
  });

  test('Sentinel: addresses, master name, passwords, TLS', () => {
    const config = loadConfig({
      ...BASE,
      REDIS_SENTINELS: 's1:26379, s2:26379,[::1]:26380',
      REDIS_SENTINEL_NAME: 'docat-master',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_PASSWORD: 'data-secret',
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: '/etc/ca.pem',
    });
    assert.deepEqual(config.redis.topology, {
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'docat-master',
      sentinelPassword: 'sentinel-secret',
      password: 'data-secret',
      tls: { caFile: '/etc/ca.pem' },
    });
    assert.equal(config.redis.url, undefined);
    const redacted = JSON.stringify(redactConfig(config));
    assert.doesNotMatch(redacted, /sentinel-secret|data-secret/);
  });

  test('Cluster: node addresses; the master name defaults to mymaster for Sentinel', () => {
    const config = loadConfig({
      ...BASE,
      REDIS_CLUSTER_NODES: 'n1:7000,n2:7001,n3:7002',
      REDIS_USERNAME: 'docat',
    });
    assert.deepEqual(config.redis.topology, {
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
        { host: 'n3', port: 7002 },
      ],
      username: 'docat',
    });
    const sentinel = loadConfig({ ...BASE, REDIS_SENTINELS: 's:26379' }).redis.topology;
    assert.equal(sentinel?.kind === 'sentinel' && sentinel.masterName, 'mymaster');
  });

  test('cluster mode needs exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES', () => {
    assert.match(issuesOf(BASE).get('REDIS_URL') ?? '', /required when DOCAT_MODE=cluster/);
    assert.match(
      issuesOf({ ...BASE, REDIS_URL: 'redis://r', REDIS_CLUSTER_NODES: 'n:7000' }).get(
        'REDIS_CLUSTER_NODES',
      ) ?? '',
      /only one of/,
    );
    assert.match(
      issuesOf({ ...BASE, REDIS_SENTINELS: 's:1', REDIS_CLUSTER_NODES: 'n:7000' }).get(
        'REDIS_CLUSTER_NODES',
      ) ?? '',
      /only one of/,
    );
  });

  test('bad addresses and contradictory TLS settings are reported', () => {
    assert.match(
      issuesOf({ ...BASE, REDIS_CLUSTER_NODES: 'n1' }).get('REDIS_CLUSTER_NODES') ?? '',
      /"n1" is not host:port/,
    );
    assert.match(
      issuesOf({ ...BASE, REDIS_SENTINELS: 's:99999' }).get('REDIS_SENTINELS') ?? '',
      /is not host:port/,
    );
    assert.match(
      issuesOf({ ...BASE, REDIS_URL: 'redis://r', REDIS_TLS: 'true' }).get('REDIS_TLS') ?? '',
      /contradicts/,
    );
    assert.match(
      issuesOf({ ...BASE, REDIS_URL: 'redis://r', REDIS_TLS_CA_FILE: '/ca' }).get(
        'REDIS_TLS_CA_FILE',
      ) ?? '',
      /needs TLS/,
    );
    assert.match(
      issuesOf({ ...BASE, REDIS_URL: 'rediss://r', REDIS_TLS_CERT_FILE: '/c' }).get(
        'REDIS_TLS_KEY_FILE',
      ) ?? '',
      /set together/,
    );
  });

  test('standalone mode without Redis has no topology', () => {
    assert.equal(loadConfig({}).redis.topology, undefined);
  });
});

describe('PostgreSQL TLS and direct URL', () => {
  test('DATABASE_SSL_CA_FILE becomes sslrootcert with verify-full on every URL; an explicit sslmode is kept', () => {
    const config = loadConfig({
      ...BASE,
      REDIS_URL: 'redis://r',
      DATABASE_URL: 'postgres://docat:pw@pgbouncer:6432/docat?pgbouncer=true',
      DATABASE_DIRECT_URL: 'postgres://docat:pw@db:5432/docat?sslmode=verify-ca',
      DATABASE_REPLICA_URLS: 'postgres://docat:pw@replica:5432/docat',
      DATABASE_SSL_CA_FILE: '/etc/pg-ca.pem',
    });
    const params = (u: string | undefined) => Object.fromEntries(new URL(u!).searchParams);
    assert.deepEqual(params(config.database.url), {
      pgbouncer: 'true',
      sslrootcert: '/etc/pg-ca.pem',
      sslmode: 'verify-full',
    });
    assert.deepEqual(params(config.database.directUrl), {
      sslmode: 'verify-ca',
      sslrootcert: '/etc/pg-ca.pem',
    });
    assert.deepEqual(params(config.database.replicaUrls[0]), {
      sslrootcert: '/etc/pg-ca.pem',
      sslmode: 'verify-full',
    });
  });

  test('without a CA file the URLs are left as given', () => {
    const config = loadConfig({ ...BASE, REDIS_URL: 'redis://r' });
    assert.equal(config.database.url, BASE.DATABASE_URL);
    assert.equal(config.database.directUrl, undefined);
  });
});
