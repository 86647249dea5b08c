export * from './paths.js';
export * from './requirements.js';
