/** The administrator every end-to-end target starts with. */
export const E2E_ADMIN = {
  email: 'e2e-admin@example.com',
  password: 'e2e-admin-password-1',
} as const;

/** Settings every end-to-end target runs with, cluster or standalone. */
export const E2E_ENV: Readonly<Record<string, string>> = {
  CHUNK_PAGES: '4',
  // Tests register and upload far more often than a person would.
  RATE_LIMIT_PDF_UPLOAD: '10000/hour',
  RATE_LIMIT_API_GENERAL: '100000/hour',
  RATE_LIMIT_AUTH_LOGIN: '10000/minute',
  RATE_LIMIT_PASSWORD_RESET: '10000/hour',
  // One browser origin allowed, so the security suite can tell it from a foreign one.
  CORS_ORIGINS: 'https://app.docat.test',
  // Test accounts are not email-verified and upload far more than a free plan allows.
  CREDITS_REQUIRE_VERIFIED_EMAIL: 'false',
  CREDITS_PLAN_FREE: '10000000',
  // A killed worker's chunk moves on within seconds instead of minutes.
  DOCAT_WORKER_LOCK_MS: '5000',
  DOCAT_CHUNK_LEASE_MS: '15000',
  DOCAT_RECONCILE_INTERVAL_MS: '1000',
  // Webhook receivers of the tests listen on the IPv6 loopback; 127.0.0.2 and localhost stay forbidden.
  WEBHOOK_ALLOWED_HOSTS: '[::1]',
  // An administrator for the admin routes, created by auth at start.
  DOCAT_ADMIN_EMAIL: E2E_ADMIN.email,
  DOCAT_ADMIN_PASSWORD: E2E_ADMIN.password,
};

/** Which system the end-to-end files run against: the six-process cluster (default) or one standalone process. */
export type E2ETarget = 'cluster' | 'standalone';

export const E2E_TARGET_ENV = 'DOCAT_E2E_TARGET';

export function e2eTarget(): E2ETarget {
  const value = process.env[E2E_TARGET_ENV] ?? 'cluster';
  if (value !== 'cluster' && value !== 'standalone')
    throw new Error(`${E2E_TARGET_ENV} must be cluster or standalone, not '${value}'`);
  return value;
}
