export * from './extraction.module.js';
