export * from './config.js';
export * from './variables.js';
export {
  parseDuration,
  parsePlanCounts,
  type PlanCounts,
  parsePlanRateLimits,
  parseRateLimit,
  PLAN_RATE_LIMIT_NAMES,
  type PlanRateLimitName,
  type PlanRateLimits,
  type RateLimit,
} from './parsers.js';
export * from './redact.js';
export * from './encryption.js';
export * from './encryption-key.js';
export * from './pdf-password.js';
export * from './env-example.js';
