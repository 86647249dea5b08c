import { z } from 'zod';
import type { ExtractionModuleOptions } from './extraction.module.js';

const schema = z.object({
  DOCAT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  /** Queue lease of a running step; tests shorten it so a killed replica's step moves on quickly. */
  DOCAT_WORKER_LOCK_MS: z.coerce.number().int().min(1_000).optional(),
});

export function extractionOptionsFromEnv(env: NodeJS.ProcessEnv): ExtractionModuleOptions {
  const parsed = schema.parse(env);
  return {
    ...(parsed.DOCAT_WORKER_CONCURRENCY ? { concurrency: parsed.DOCAT_WORKER_CONCURRENCY } : {}),
    ...(parsed.DOCAT_WORKER_LOCK_MS ? { lockMs: parsed.DOCAT_WORKER_LOCK_MS } : {}),
  };
}
