/** `WebhookSettings`: how deliveries are made and retried. */
export const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');
/** The notification schema's data source. */
export const NOTIFICATION_DB = Symbol('NOTIFICATION_DB');
/** The keyring encrypting webhook secrets. */
export const WEBHOOK_KEYRING = Symbol('WEBHOOK_KEYRING');

export interface WebhookSettings {
  /** Runs per delivery, the first included, before it is dead-lettered. */
  attempts: number;
  /** Base of the exponential backoff: the n-th retry waits backoffMs * 2^(n-1). */
  backoffMs: number;
  timeoutMs: number;
  allowedHosts: readonly string[];
  /** Deliveries sent at once by one process. */
  concurrency: number;
  /** Endpoints an account may have, by plan (WEBHOOK_MAX_ENDPOINTS). */
  maxEndpoints: { default: number; byPlan: Readonly<Record<string, number>> };
  /** Webhook requests per account (WEBHOOK_RATE_LIMIT); deliveries past it wait. */
  rateLimit: { limit: number; windowMs: number };
  /** Retries of all the deliveries of one job together (WEBHOOK_RETRY_BUDGET). */
  retryBudget: number;
}

/** How long a job's retry budget is remembered: past the last retry of the default schedule (about 23 h). */
export const RETRY_BUDGET_WINDOW_MS = 48 * 3_600_000;

/**
 * 15 runs 5 s apart doubling each time: the last retry comes about 23 hours after the
 * first attempt, so a receiver down for most of a day still gets the event.
 */
export const DEFAULT_WEBHOOK_RETRY = { attempts: 15, backoffMs: 5_000 } as const;
