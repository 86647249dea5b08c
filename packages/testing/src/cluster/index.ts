export * from './cluster-processes.js';
export * from './cluster.js';
export * from './shared-cluster.js';
export * from './e2e-env.js';
export * from './standalone-target.js';
