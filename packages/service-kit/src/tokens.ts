/**
 * Dependency-injection tokens of the adapters a service receives. Modules inject ports
 * through these and never construct a Redis, queue, storage or database client
 * themselves, so the same module runs in cluster and standalone mode.
 */
export const BUS = Symbol('BUS');
export const QUEUE = Symbol('QUEUE');
export const STORAGE = Symbol('STORAGE');
export const CONFIG = Symbol('CONFIG');
export const CACHE = Symbol('CACHE');
export const RATE_LIMITER = Symbol('RATE_LIMITER');
export const EVENT_LOG = Symbol('EVENT_LOG');
/** The process's `KeyringSource`: the one lazily built keyring. */
export const KEYRING = Symbol('KEYRING');
/** The whole `Runtime`, for the few modules that need `dataSourceFor`. */
export const RUNTIME = Symbol('RUNTIME');
