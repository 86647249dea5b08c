export * from './translation.module.js';
export * from './engines/engines.module.js';
