export * from './engine-env.js';
export * from './engines.controller.js';
export * from './engines.module.js';
