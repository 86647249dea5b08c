/**
 * Wire names. FROZEN ONCE RELEASED: a value below is written into Redis streams, queue
 * records and other services' code. Add new names; never rename or reuse a value. The
 * constant's key may be refactored, the string may not.
 */

/** RPC patterns (request/reply over the transport). `<owner>.<verb>`. */
export const RPC = {
  AUTH_REGISTER: 'auth.register',
  AUTH_LOGIN: 'auth.login',
  AUTH_REFRESH: 'auth.refresh',
  AUTH_LOGOUT: 'auth.logout',
  AUTH_JWKS: 'auth.jwks',
  AUTH_ME: 'auth.me',
  AUTH_VERIFY_API_KEY: 'auth.verify-api-key',
  AUTH_SESSIONS_LIST: 'auth.sessions-list',
  AUTH_SESSIONS_REVOKE: 'auth.sessions-revoke',
  AUTH_SESSIONS_REVOKE_ALL: 'auth.sessions-revoke-all',
  AUTH_PASSWORD_RESET_REQUEST: 'auth.password-reset-request',
  AUTH_PASSWORD_RESET_CONFIRM: 'auth.password-reset-confirm',
  AUTH_EMAIL_VERIFY: 'auth.email-verify',
  AUTH_EMAIL_VERIFY_RESEND: 'auth.email-verify-resend',
  AUTH_API_KEYS_CREATE: 'auth.api-keys-create',
  AUTH_API_KEYS_LIST: 'auth.api-keys-list',
  AUTH_API_KEYS_REVOKE: 'auth.api-keys-revoke',
  AUTH_DENIED_USERS: 'auth.denied-users',
  AUTH_ADMIN_USERS_LIST: 'auth.admin-users-list',
  AUTH_ADMIN_USER_SET_DISABLED: 'auth.admin-user-set-disabled',
  AUTH_ADMIN_USER_SET_PLAN: 'auth.admin-user-set-plan',
  AUTH_ADMIN_INVITE_CREATE: 'auth.admin-invite-create',
  CREDITS_RESERVE: 'credits.reserve',
  CREDITS_SETTLE: 'credits.settle',
  CREDITS_RELEASE: 'credits.release',
  CREDITS_USAGE: 'credits.usage',
  AUTH_ACCOUNT_EXPORT: 'auth.account-export',
  AUTH_ACCOUNT_DELETE: 'auth.account-delete',
  AUTH_INACTIVE_ACCOUNTS: 'auth.inactive-accounts',
  JOBS_CREATE: 'jobs.create',
  JOBS_GET: 'jobs.get',
  JOBS_LIST: 'jobs.list',
  JOBS_CANCEL: 'jobs.cancel',
  JOBS_RESULT: 'jobs.result',
  JOBS_SOURCE: 'jobs.source',
  JOBS_DELETE: 'jobs.delete',
  JOBS_REPORT: 'jobs.report',
  JOBS_ESTIMATE: 'jobs.estimate',
  JOBS_ERASE_USER: 'jobs.erase-user',
  JOBS_ADMIN_QUEUES: 'jobs.admin-queues',
  JOBS_ADMIN_QUEUE_FAILED: 'jobs.admin-queue-failed',
  JOBS_ADMIN_QUEUE_RETRY: 'jobs.admin-queue-retry',
  JOBS_ADMIN_QUEUE_REMOVE: 'jobs.admin-queue-remove',
  JOBS_STEP_CLAIM: 'jobs.step-claim',
  JOBS_STEP_HEARTBEAT: 'jobs.step-heartbeat',
  NOTIFY_EVENTS: 'notify.events',
  NOTIFY_WEBHOOKS_CREATE: 'notify.webhooks-create',
  NOTIFY_WEBHOOKS_LIST: 'notify.webhooks-list',
  NOTIFY_WEBHOOKS_DELETE: 'notify.webhooks-delete',
  NOTIFY_WEBHOOK_DELIVERIES: 'notify.webhook-deliveries',
  NOTIFY_WEBHOOK_REDELIVER: 'notify.webhook-redeliver',
  NOTIFY_JOB_WEBHOOK: 'notify.job-webhook',
  NOTIFY_SIGNING_SECRET: 'notify.signing-secret',
  TRANSLATION_ENGINES: 'translation.engines',
  TRANSLATION_RESOLVE_ENGINE: 'translation.resolve-engine',
  TRANSLATION_GLOSSARY_CREATE: 'translation.glossary-create',
  TRANSLATION_GLOSSARY_LIST: 'translation.glossary-list',
  TRANSLATION_GLOSSARY_GET: 'translation.glossary-get',
  TRANSLATION_GLOSSARY_DELETE: 'translation.glossary-delete',
  TRANSLATION_GLOSSARY_UPDATE: 'translation.glossary-update',
  TRANSLATION_MEMORY_PURGE: 'translation.memory-purge',
  TRANSLATION_MEMORY_EXPORT: 'translation.memory-export',
  TRANSLATION_MEMORY_IMPORT: 'translation.memory-import',
} as const;
export type RpcPattern = (typeof RPC)[keyof typeof RPC];

/**
 * Events. `work` events go to one consumer group per subscribing service (each
 * service sees each event once, shared among its replicas); `broadcast` events reach
 * every replica of every subscriber.
 */
export const EVENTS = {
  JOB_CREATED: 'job.created',
  JOB_PROGRESS: 'job.progress',
  JOB_STATE_CHANGED: 'job.state-changed',
  JOB_COMPLETED: 'job.completed',
  JOB_FAILED: 'job.failed',
  JOB_CANCELLED: 'job.cancelled',
  CHUNK_STEP_DONE: 'chunk.step-done',
  CHUNK_STEP_FAILED: 'chunk.step-failed',
  CHUNK_STEP_PROGRESS: 'chunk.step-progress',
  WORKER_CAPACITY: 'worker.capacity',
  // Broadcast
  JOB_CANCEL_REQUESTED: 'job.cancel-requested',
  API_KEY_REVOKED: 'auth.api-key-revoked',
  USER_DISABLED: 'auth.user-disabled',
  SIGNING_KEY_ROTATED: 'auth.signing-key-rotated',
  USER_TOKENS_REVOKED: 'auth.user-tokens-revoked',
  SESSION_REVOKED: 'auth.session-revoked',
  JOB_SNAPSHOT_CHANGED: 'job.snapshot-changed',
} as const;
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

export const BROADCAST_EVENTS: ReadonlySet<EventName> = new Set([
  EVENTS.JOB_CANCEL_REQUESTED,
  EVENTS.API_KEY_REVOKED,
  EVENTS.USER_DISABLED,
  EVENTS.SIGNING_KEY_ROTATED,
  EVENTS.USER_TOKENS_REVOKED,
  EVENTS.SESSION_REVOKED,
  EVENTS.JOB_SNAPSHOT_CHANGED,
]);

/** Durable work queues. */
export const QUEUES = {
  EXTRACT: 'extract',
  TRANSLATE: 'translate',
  RENDER: 'render',
  NOTIFY: 'notify',
  MAINTENANCE: 'maintenance',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const QUEUE_NAMES: readonly QueueName[] = Object.values(QUEUES);

/** Service names: transport stream names and process titles (`docat-<service>`). */
export const SERVICES = {
  GATEWAY: 'gateway',
  AUTH: 'auth',
  INGESTION: 'ingestion',
  EXTRACTION: 'extraction',
  TRANSLATION: 'translation',
  NOTIFICATION: 'notification',
} as const;
export type ServiceName = (typeof SERVICES)[keyof typeof SERVICES];

/** Which service answers an RPC pattern: the prefix before the first dot. */
export function rpcOwner(pattern: RpcPattern): ServiceName {
  const prefix = pattern.split('.')[0];
  switch (prefix) {
    case 'auth':
    case 'credits':
      return SERVICES.AUTH;
    case 'jobs':
      return SERVICES.INGESTION;
    case 'notify':
      return SERVICES.NOTIFICATION;
    case 'translation':
      return SERVICES.TRANSLATION;
    default:
      throw new Error(`no owner for RPC pattern ${pattern}`);
  }
}
