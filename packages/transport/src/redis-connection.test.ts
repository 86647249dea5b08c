import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { createRedisConnection, isCluster, openConnection } from './redis-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'docat-redis-conn-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, 'CA PEM');
test.after(() => rmSync(dir, { recursive: true, force: true }));

// lazyConnect: the options are checked without any server.
test('standalone: URL credentials win, TLS files are read, roles get names', () => {
  const conn = createRedisConnection(
    {
      kind: 'standalone',
      url: 'rediss://:from-url@h:6380/2',
      password: 'from-config',
      tls: { caFile },
    },
    { lazyConnect: true, connectionName: 'docat-x:read:{rpc:a}', maxRetriesPerRequest: null },
  );
  assert.ok(conn instanceof Redis && !isCluster(conn));
  assert.equal(conn.options.password, 'from-url');
  assert.equal(conn.options.db, 2);
  assert.equal(String(conn.options.tls?.ca), 'CA PEM');
  assert.equal(conn.options.maxRetriesPerRequest, null);
  assert.equal(conn.options.connectionName, 'docat-x:read:_rpc:a_');
  conn.disconnect();
});

test('sentinel: the Sentinels, the master name, and TLS to both', () => {
  const conn = createRedisConnection(
    {
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }],
      masterName: 'm',
      sentinelPassword: 'sp',
      password: 'dp',
      tls: { caFile },
    },
    { lazyConnect: true },
  );
  assert.ok(conn instanceof Redis);
  assert.deepEqual(conn.options.sentinels, [{ host: 's1', port: 26379 }]);
  assert.equal(conn.options.name, 'm');
  assert.equal(conn.options.sentinelPassword, 'sp');
  assert.equal(conn.options.password, 'dp');
  assert.equal(conn.options.enableTLSForSentinelMode, true);
  assert.equal(String(conn.options.sentinelTLS?.ca), 'CA PEM');
  assert.equal(conn.options.maxRetriesPerRequest, 20);
  conn.disconnect();
});

test('cluster: an ioredis Cluster with the seed nodes and per-node options', () => {
  const conn = createRedisConnection(
    { kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }], username: 'u' },
    { lazyConnect: true, maxRetriesPerRequest: null },
  );
  assert.ok(conn instanceof Cluster && isCluster(conn));
  assert.deepEqual((conn as unknown as { startupNodes: unknown }).startupNodes, [
    { host: 'n1', port: 7000 },
  ]);
  assert.equal(conn.options.redisOptions?.username, 'u');
  assert.equal(conn.options.redisOptions?.maxRetriesPerRequest, null);
  conn.disconnect();
});

test('openConnection: a topology wins over the URL, a custom factory over both', () => {
  let asked = '';
  const custom = openConnection(
    { createConnection: (role) => ((asked = role), new Redis({ lazyConnect: true })) },
    'command',
    false,
  );
  assert.equal(asked, 'command');
  custom.disconnect();
  const viaTopology = openConnection(
    { url: 'redis://ignored:1', topology: { kind: 'cluster', nodes: [{ host: 'n', port: 1 }] } },
    'read',
    true,
  );
  viaTopology.on('error', () => undefined);
  assert.ok(isCluster(viaTopology));
  viaTopology.disconnect();
});
