import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@docat/config';
import { requireTools, startRedisTls, waitUntil, type RedisTlsInstance } from '@docat/testing';
import { createRedisConnection, type RedisTopology } from '@docat/transport';
import { mainRedisTopology } from '../redis-topology.js';
import { TopologyStack } from './topology-exercise.js';

const tools = requireTools('redis-server', 'redis-cli', 'openssl');

/** The first connection error of a client that should not get through, then it is dropped. */
async function firstError(topology: RedisTopology): Promise<Error> {
  const conn = createRedisConnection(topology, { maxRetriesPerRequest: 0 });
  try {
    return await new Promise<Error>((resolve, reject) => {
      conn.once('error', resolve);
      conn.ping().then(
        () => reject(new Error('the connection was accepted')),
        () => undefined,
      );
    });
  } finally {
    conn.disconnect();
  }
}

describe(
  'cluster mode on Redis over TLS (rediss://, a CA made here, client certificates)',
  { skip: tools.skip },
  () => {
    let redis: RedisTlsInstance;
    let stack: TopologyStack;

    before(async () => {
      redis = await startRedisTls();
    });

    after(async () => {
      await stack?.close();
      await redis?.stop();
    });

    test('the configuration turns REDIS_URL=rediss:// and the TLS files into a working topology', async () => {
      const config = loadConfig({
        DOCAT_MODE: 'cluster',
        DATABASE_URL: 'postgres://docat@127.0.0.1:5432/docat',
        DOCAT_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
        S3_BUCKET: 'docat',
        REDIS_URL: redis.url,
        REDIS_TLS_CA_FILE: redis.ca.certFile,
        REDIS_TLS_CERT_FILE: redis.client.certFile,
        REDIS_TLS_KEY_FILE: redis.client.keyFile,
      });
      const topology = mainRedisTopology(config.redis);
      assert.deepEqual(topology, {
        kind: 'standalone',
        url: redis.url,
        tls: {
          caFile: redis.ca.certFile,
          certFile: redis.client.certFile,
          keyFile: redis.client.keyFile,
        },
      });
      stack = new TopologyStack(topology!);
      await stack.start();
      await stack.rpcRoundTrip(1);
      await stack.eventDelivered(1);
      const id = await stack.enqueue(1);
      await waitUntil(() => stack.completed.get(id) === 1, 10_000, 'the job to complete');
      await stack.cacheWorks();
      await stack.rateLimiterWorks();
      await stack.requestLimiterWorks();
      await stack.eventLogWorks();
    });

    test('a server certificate from another CA is refused', async () => {
      const err = await firstError({
        kind: 'standalone',
        url: redis.url,
        tls: {
          caFile: redis.otherCa.certFile,
          certFile: redis.client.certFile,
          keyFile: redis.client.keyFile,
        },
      });
      assert.match(err.message, /self[- ]signed|unable to (get|verify)|certificate/i);
    });

    test('without the CA file the system trust store does not know the server either', async () => {
      const err = await firstError({
        kind: 'standalone',
        url: redis.url,
        tls: { certFile: redis.client.certFile, keyFile: redis.client.keyFile },
      });
      assert.match(err.message, /self[- ]signed|unable to (get|verify)|certificate/i);
    });

    test('the server refuses a client certificate from another CA', async () => {
      const conn = createRedisConnection(
        {
          kind: 'standalone',
          url: redis.url,
          tls: {
            caFile: redis.ca.certFile,
            certFile: redis.otherClient.certFile,
            keyFile: redis.otherClient.keyFile,
          },
        },
        { maxRetriesPerRequest: 0 },
      );
      conn.on('error', () => undefined);
      try {
        await assert.rejects(conn.ping());
      } finally {
        conn.disconnect();
      }
    });

    test('a missing CA file is a clear error before any connection is tried', () => {
      assert.throws(
        () =>
          createRedisConnection({
            kind: 'standalone',
            url: redis.url,
            tls: { caFile: '/nonexistent/ca.pem' },
          }),
        /cannot read the Redis TLS CA file \/nonexistent\/ca\.pem/,
      );
    });
  },
);
