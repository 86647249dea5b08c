/**
 * A replica run as a child process by the integration tests, so a test can SIGKILL it
 * while its handler is busy. Its handler records that it started a request, then hangs.
 * Environment: REDIS_URL, TRANSPORT_PREFIX, TRANSPORT_SERVICE, CLAIM_IDLE_MS.
 */
import { Redis } from 'ioredis';
import { RedisStreamsServer } from './redis-streams.server.js';
import type { MessageContext } from './message.context.js';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = process.env['TRANSPORT_PREFIX'] ?? 'fixture';
const service = process.env['TRANSPORT_SERVICE'] ?? 'fixture';
const redis = new Redis(url);
const server = new RedisStreamsServer({
  url,
  prefix,
  service,
  claimIdleMs: Number(process.env['CLAIM_IDLE_MS'] ?? 1_000),
  trimIntervalMs: 0,
});

server.addHandler(`${service}.work`, async (_data: unknown, ctx?: MessageContext) => {
  await redis.rpush(`${prefix}:started-by-fixture`, ctx?.getEnvelope().id ?? '?');
  await new Promise(() => undefined);
});

server.listen((err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  process.stdout.write('ready\n');
});
