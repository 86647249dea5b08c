export { globalSetup, globalTeardown } from './shared-cluster.js';
