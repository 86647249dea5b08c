export * from './keys.js';
export * from './routing.js';
export * from './message.context.js';
export * from './bus-client.js';
export * from './boot-check.js';
export * from './docat-rpc-exception.filter.js';
export {
  REDIS_STREAMS_TRANSPORT,
  RedisStreamsServer,
  type RedisStreamsServerOptions,
} from './redis-streams.server.js';
export { RedisStreamsClient, type RedisStreamsClientOptions } from './redis-streams.client.js';
export {
  createRedisConnection,
  isCluster,
  redisTlsOptions,
  DEFAULT_REDIS_URL,
  type CreateRedisConnectionOptions,
  type RedisConnection,
  type RedisConnectionOptions,
  type RedisHostPort,
  type RedisTlsFiles,
  type RedisTopology,
} from './redis-connection.js';
export { InProcessBus } from './in-process.bus.js';
export { InProcessServer, type InProcessServerOptions } from './in-process.server.js';
export { InProcessClient, type InProcessClientOptions } from './in-process.client.js';
export { TRANSPORT_ID } from './envelope.server.js';
export * from './trace-context.js';
