// The pipeline's policies: pure functions over the contracts, safe for every service to
// import (no PDF code, no engine SDKs). The steps that run them are in `./steps`.
export * from './policy.js';
export * from './chunk-plan.js';
export * from './warnings.js';
