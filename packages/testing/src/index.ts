export * from './paths.js';
export * from './requirements.js';
export * from './harness/index.js';
export * from './cluster/index.js';
