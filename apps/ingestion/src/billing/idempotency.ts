import { createHash } from 'node:crypto';
import type { KeptUploadOptions } from '@docat/contracts';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * What an `Idempotency-Key` is bound to: the file's SHA-256 and every option of the
 * upload (key order, unset fields and the order of the outputs do not matter). A password counts only as present
 * or not, so no digest of it is stored.
 */
export function idempotencyRequestHash(
  sha256: string,
  options: Omit<KeptUploadOptions, 'password'>,
  withPassword: boolean,
): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        sha256,
        options: canonical({ ...options, outputs: [...options.outputs].sort() }),
        password: withPassword,
      }),
    )
    .digest('hex');
}
