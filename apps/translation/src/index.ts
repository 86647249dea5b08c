export * from './translation.module.js';
export { ENGINES_PATTERNS, EnginesModule } from '@docat/engines';
