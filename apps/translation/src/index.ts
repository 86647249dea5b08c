export * from './translation.module.js';
export {
  ENGINES_PATTERNS,
  EnginesModule,
  defaultEngineLine,
  defaultEngineWarning,
  engineEnv,
} from '@docat/engines';
