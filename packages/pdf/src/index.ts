export * from './content/index.js';
