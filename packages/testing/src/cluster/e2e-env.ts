/** Settings every end-to-end target runs with, cluster or standalone. */
export const E2E_ENV: Readonly<Record<string, string>> = {
  CHUNK_PAGES: '4',
  // Tests register and upload far more often than a person would.
  RATE_LIMIT_PDF_UPLOAD: '10000/hour',
  RATE_LIMIT_API_GENERAL: '100000/hour',
  RATE_LIMIT_AUTH_LOGIN: '10000/minute',
  // A killed worker's chunk moves on within seconds instead of minutes.
  DOCAT_WORKER_LOCK_MS: '5000',
  DOCAT_CHUNK_LEASE_MS: '15000',
  DOCAT_RECONCILE_INTERVAL_MS: '1000',
};

/** Which system the end-to-end files run against: the six-process cluster (default) or one standalone process. */
export type E2ETarget = 'cluster' | 'standalone';

export const E2E_TARGET_ENV = 'DOCAT_E2E_TARGET';

export function e2eTarget(): E2ETarget {
  const value = process.env[E2E_TARGET_ENV] ?? 'cluster';
  if (value !== 'cluster' && value !== 'standalone') throw new Error(`${E2E_TARGET_ENV} must be cluster or standalone, not '${value}'`);
  return value;
}
