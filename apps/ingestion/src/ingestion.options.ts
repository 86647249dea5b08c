import { z } from 'zod';
import type { IngestionModuleOptions } from './ingestion.module.js';

const schema = z.object({
  /** Lease of a chunk step before the reconciler re-issues it. */
  DOCAT_CHUNK_LEASE_MS: z.coerce.number().int().min(1_000).optional(),
  DOCAT_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).optional(),
});

/** Orchestrator tuning from the environment (tests shorten leases); defaults suit production. */
export function ingestionOptionsFromEnv(env: NodeJS.ProcessEnv): IngestionModuleOptions {
  const parsed = schema.parse(env);
  return {
    ...(parsed.DOCAT_CHUNK_LEASE_MS ? { leaseMs: parsed.DOCAT_CHUNK_LEASE_MS } : {}),
    ...(parsed.DOCAT_RECONCILE_INTERVAL_MS ? { reconcileIntervalMs: parsed.DOCAT_RECONCILE_INTERVAL_MS } : {}),
  };
}
