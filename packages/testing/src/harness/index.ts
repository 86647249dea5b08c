export * from './s3-server.js';
export * from './database.js';
export * from './redis.js';
export * from './services.js';
export * from './service-env.js';
export * from './service-fixture.js';
