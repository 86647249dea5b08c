import type { StorageConfig } from '@docat/config';

/**
 * The part of the typed configuration (`DocatConfig` from `@docat/config`) the runtime
 * itself reads. `DocatConfig` satisfies it as is; tests may build just this part.
 */
export interface RuntimeConfig {
  mode: 'cluster' | 'standalone';
  dataDir: string;
  http: { port: number; managementPort: number };
  database: { url?: string; poolMax: number };
  redis: { url?: string; cacheUrl?: string; keyPrefix: string };
  storage: StorageConfig;
}
