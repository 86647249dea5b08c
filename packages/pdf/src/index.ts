export * from './content/index.js';
export * from './extract/index.js';
