export * from './paths.js';
export * from './requirements.js';
export * from './harness/index.js';
export * from './cluster/index.js';
export * from './topology/index.js';
