export * from './address-policy.js';
export * from './ssrf-guard.js';
export * from './signature.js';
export * from './webhook.client.js';
