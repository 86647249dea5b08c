import { loadConfig, type DocatConfig } from '@docat/config';
import { createStorage } from '@docat/storage';
import { bootstrapService, type BootstrapOptions, type RunningService } from './bootstrap.js';
import { createClusterRuntime } from './cluster-runtime.js';
import type { Runtime } from './runtime.js';

/** Builds the runtime the configuration selects for one service process. */
export async function createServiceRuntime(config: DocatConfig): Promise<Runtime<DocatConfig>> {
  if (config.mode !== 'cluster') {
    throw new Error(
      'a single service process runs in cluster mode (DOCAT_MODE=cluster); standalone mode runs every service in one process',
    );
  }
  return createClusterRuntime(config, { storage: createStorage(config) });
}

export type ServiceOptions = Omit<BootstrapOptions, 'runtime'>;

/**
 * What an app's `main.ts` calls: configuration from the environment (read once), then
 * `bootstrapService`. Options that depend on the configuration are given as a function of it.
 */
export function runService(
  options: ServiceOptions | ((config: DocatConfig) => ServiceOptions),
): Promise<RunningService> {
  const config = loadConfig();
  const opts = typeof options === 'function' ? options(config) : options;
  return bootstrapService({ ...opts, runtime: () => createServiceRuntime(config) }).catch(
    (err: unknown) => {
      process.stderr.write(
        `docat-${opts.service} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
