import { E2E_TARGET_ENV } from './e2e-env.js';
import { globalSetup as setupTarget, globalTeardown } from './shared-cluster.js';

/** node:test global setup running the end-to-end files against one standalone process. */
export async function globalSetup(): Promise<void> {
  process.env[E2E_TARGET_ENV] = 'standalone';
  await setupTarget();
}

export { globalTeardown };
