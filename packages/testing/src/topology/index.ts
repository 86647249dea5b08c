export * from './processes.js';
export * from './certificates.js';
export * from './redis-instances.js';
export * from './postgres-instances.js';
