import { createHash } from 'node:crypto';
import { outputAffectingOptions, type KeptUploadOptions } from '@docat/contracts';

/** Hash of the options that change a job's output: with the user and file hash, the result-cache key. */
export function resultCacheKey(options: Omit<KeptUploadOptions, 'password'>): string {
  const affecting = outputAffectingOptions({
    ...options,
    password: undefined,
  } as KeptUploadOptions);
  return createHash('sha256').update(JSON.stringify(affecting)).digest('hex');
}
