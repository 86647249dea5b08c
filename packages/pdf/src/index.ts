export {};
export * from './content/index.js';
export * from './extract/index.js';
export * from './render/index.js';
export * from './fidelity/index.js';
export * from './page-tree/page-tree-count.js';
