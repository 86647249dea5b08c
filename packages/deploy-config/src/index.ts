export * from './k8s/environments.js';
export { buildApp, queueDepthQuery } from './k8s/charts.js';
export { synthesize, KUSTOMIZATION } from './k8s/synthesize.js';
export { modelFor, validateManifest } from './k8s/models.js';
export { loadComposeSchema, validateCompose, COMPOSE_FORMATS } from './compose/compose-schema.js';
export * from './s3/lifecycle.js';
