export * from './cluster-processes.js';
export * from './cluster.js';
export * from './shared-cluster.js';
