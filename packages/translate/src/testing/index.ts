export * from './fake-server.js';
export * from './fake-anthropic.js';
export * from './fake-openai.js';
export * from './fake-google.js';
export * from './fake-deepl.js';
export * from './fake-libretranslate.js';
export * from './fake-engine.js';
export * from './engine-conformance.js';
