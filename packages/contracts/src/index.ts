export * from './ids.js';
export * from './errors.js';
export * from './envelope.js';
export * from './names.js';
export * from './languages.js';
export * from './upload.js';
export * from './jobs.js';
export * from './layout.js';
