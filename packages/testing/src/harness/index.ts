export * from './s3-server.js';
export * from './database.js';
export * from './redis.js';
export * from './services.js';
