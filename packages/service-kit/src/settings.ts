import type { RedisTopologyConfig, StorageConfig } from '@docat/config';

/**
 * The part of the typed configuration (`DocatConfig` from `@docat/config`) the runtime
 * itself reads. `DocatConfig` satisfies it as is; tests may build just this part.
 */
export interface RuntimeConfig {
  mode: 'cluster' | 'standalone';
  /** Lowest level logged (`LOG_LEVEL`); the environment's, else info, when absent. */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Share of successful read requests logged at info (`LOG_READ_REQUESTS_SAMPLE`); default 0. */
  logReadSample?: number;
  dataDir: string;
  http: { port: number; managementPort: number };
  database: {
    url?: string;
    poolMax: number;
    replicaUrls?: readonly string[];
    directUrl?: string;
    sslCaFile?: string;
  };
  /** `topology` (Sentinel, Cluster, TLS) as loaded from the environment; REDIS_URL alone also works. */
  redis: { url?: string; cacheUrl?: string; keyPrefix: string; topology?: RedisTopologyConfig };
  storage: StorageConfig;
}
