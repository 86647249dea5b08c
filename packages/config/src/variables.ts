import type { z } from 'zod';
import {
  boolean,
  durationMs,
  encryptionKeyText,
  encryptionKeyTextList,
  fraction,
  HTTP,
  integer,
  list,
  oneOf,
  planRateLimits,
  port,
  POSTGRES,
  rateLimit,
  REDIS,
  secret,
  text,
  toHostAndPort,
  toHostWithOptionalPort,
  toIpOrCidr,
  toOrigin,
  url,
  urlList,
  planCounts,
} from './parsers.js';
import { ENGINE_NAMES, LANGUAGE_CODES, type EngineName, type LanguageCode } from '@docat/contracts';

/** The languages an LLM engine is offered for; unset means every language Docat knows. */
function engineLanguages(engine: string) {
  return variable({
    group: 'Translation engines',
    description: `Languages (BCP 47, comma-separated) ${engine} is used for, source and target; uploads to others are refused with 422 UNSUPPORTED_LANGUAGE. Unset: every language Docat supports.`,
    schema: list(
      (entry) =>
        (LANGUAGE_CODES as readonly string[]).includes(entry) ? (entry as LanguageCode) : undefined,
      'a language code Docat supports',
    ),
    example: 'en,de,fr',
  });
}

export const GROUPS = [
  'Runtime',
  'HTTP',
  'Database',
  'Redis',
  'Object storage',
  'Encryption',
  'Limits',
  'Workers',
  'Accounts',
  'Credits',
  'Rate limits',
  'Retention',
  'Translation engines',
  'Webhooks',
  'PDF processing',
  'Observability',
] as const;
export type Group = (typeof GROUPS)[number];

export { ENGINE_NAMES, type EngineName };

export interface VariableSpec<S extends z.ZodType<unknown, string>, D extends string | undefined> {
  group: Group;
  description: string;
  schema: S;
  /** Raw default, exactly as it would be written in the environment. */
  default?: D;
  /** Explains a default that depends on other variables; shown where `default` would be. */
  derivedDefault?: string;
  /** Shown commented out in `.env.example` when there is no default. */
  example?: string;
  /** Required when DOCAT_MODE=cluster. */
  clusterRequired?: boolean;
  /**
   * Never logged or echoed; `redactConfig` masks it at `path` in the loaded config.
   * `url: true` masks only the credentials and query of a connection string, so the host
   * stays visible.
   */
  secret?: { path: string; url?: boolean };
}

function variable<
  S extends z.ZodType<unknown, string>,
  const D extends string | undefined = undefined,
>(spec: VariableSpec<S, D>): VariableSpec<S, D> {
  return spec;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PREFIX = /^[A-Za-z0-9_-][A-Za-z0-9:_-]{0,62}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Every environment variable Docat reads, in one place. `.env.example` and the
 * configuration reference are generated from this table; `loadConfig` parses it.
 */
export const VARIABLES = {
  // Runtime
  DOCAT_MODE: variable({
    group: 'Runtime',
    description:
      'cluster: each app its own process, with Redis, PostgreSQL and S3-compatible storage. standalone: one process, in-process transport, embedded PostgreSQL unless DATABASE_URL is set, filesystem storage.',
    schema: oneOf(['cluster', 'standalone']),
    default: 'standalone',
  }),
  NODE_ENV: variable({
    group: 'Runtime',
    description:
      'development, production or test. production turns off stack traces in error responses.',
    schema: oneOf(['development', 'production', 'test']),
    default: 'development',
  }),
  LOG_LEVEL: variable({
    group: 'Runtime',
    description:
      'Lowest level written to the JSON log: fatal, error, warn, info, debug, trace or silent.',
    schema: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
  }),
  LOG_FORMAT: variable({
    group: 'Runtime',
    description:
      'How the standalone server (npm start) writes its log. auto: in an interactive terminal a short start-up (the ready block) and then warnings and errors as one line each, JSON lines when standard output is not a terminal; json: JSON lines always (what the cluster services always write); text: the short form always.',
    schema: oneOf(['auto', 'json', 'text']),
    default: 'auto',
  }),
  LOG_READ_REQUESTS_SAMPLE: variable({
    group: 'Runtime',
    description:
      'Share (0 to 1) of successful read requests (GET, HEAD and OPTIONS answered 1xx-3xx) logged at info; the others are logged at debug. Writes, client errors and server errors are always logged. 0 keeps polling clients out of an info-level log.',
    schema: fraction(),
    default: '0',
  }),
  DOCAT_DATA_DIR: variable({
    group: 'Runtime',
    description:
      'Folder for local state in standalone mode: the embedded PostgreSQL cluster, stored objects and the generated encryption key. Relative paths resolve against the working directory at boot.',
    schema: text(/^.+$/, 'a folder path'),
    default: './data',
  }),

  // HTTP
  PORT: variable({
    group: 'HTTP',
    description: 'Port of the public HTTP API.',
    schema: port,
    default: '8080',
  }),
  MANAGEMENT_PORT: variable({
    group: 'HTTP',
    description:
      'Port serving /metrics, /healthz and /readyz; keep it out of the Ingress. Must differ from PORT. In standalone mode there is a management port only when this is set (then /metrics is served there and not on PORT); see METRICS_TOKEN.',
    schema: port,
    default: '9464',
  }),
  HTTP_BODY_TIMEOUT: variable({
    group: 'HTTP',
    description:
      'How long the gateway waits for the whole body of a request that is not an upload (JSON, forms). A body still arriving after it is answered 408 REQUEST_TIMEOUT and the connection closed.',
    schema: durationMs,
    default: '30s',
  }),
  UPLOAD_MIN_RATE: variable({
    group: 'HTTP',
    description:
      'Slowest upload the gateway waits for, in bytes per second, measured over each UPLOAD_RATE_WINDOW. A slower upload is answered 408 REQUEST_TIMEOUT and closed. It also sets the deadline of a whole upload: MAX_UPLOAD_BYTES / UPLOAD_MIN_RATE plus HTTP_BODY_TIMEOUT.',
    schema: integer(1),
    default: '16384',
  }),
  UPLOAD_RATE_WINDOW: variable({
    group: 'HTTP',
    description:
      'Window over which UPLOAD_MIN_RATE is measured; a pause shorter than it never ends an upload.',
    schema: durationMs,
    default: '20s',
  }),
  SSE_MAX_STREAMS_PER_ACCOUNT: variable({
    group: 'HTTP',
    description:
      'Job event streams (SSE) one account may hold open at once on one gateway process; the next is answered 429 RATE_LIMITED with Retry-After.',
    schema: integer(1),
    default: '10',
  }),
  SSE_MAX_STREAMS_PER_PROCESS: variable({
    group: 'HTTP',
    description:
      'Job event streams one gateway process holds open at once, all accounts together; the next is answered 429 RATE_LIMITED with Retry-After.',
    schema: integer(1),
    default: '1000',
  }),
  METRICS_TOKEN: variable({
    group: 'HTTP',
    description:
      'Standalone mode: serve /metrics on the public port to requests bearing this token (Authorization: Bearer <token>). When MANAGEMENT_PORT is set, /metrics is served on that port only and this is ignored; when neither is set, /metrics is not served.',
    schema: secret(16),
    secret: { path: 'http.metricsToken' },
  }),
  TRUSTED_PROXIES: variable({
    group: 'HTTP',
    description:
      'Comma-separated addresses or CIDR blocks of the reverse proxies (Ingress, load balancer) in front of the gateway. Only their X-Forwarded-For is believed when deciding a client address for per-address rate limits; empty means the socket peer is the client.',
    schema: list(toIpOrCidr, 'an IP address or CIDR block like 10.0.0.0/8'),
    default: '',
    example: '10.0.0.0/8',
  }),
  CORS_ORIGINS: variable({
    group: 'HTTP',
    description:
      'Comma-separated browser origins allowed to call the API (scheme://host[:port]). Empty allows none.',
    schema: list(toOrigin, 'an origin like https://app.example.com'),
    default: '',
    example: 'https://app.example.com,http://localhost:5173',
  }),
  SSE_HEARTBEAT_INTERVAL: variable({
    group: 'HTTP',
    description:
      'How often an open job event stream (SSE) sends a comment line, so proxies and load balancers do not close an idle connection.',
    schema: durationMs,
    default: '15s',
  }),

  // Database
  DATABASE_URL: variable({
    group: 'Database',
    description:
      'PostgreSQL connection string. Required in cluster mode; in standalone mode an embedded PostgreSQL in DOCAT_DATA_DIR is used when unset.',
    schema: url(POSTGRES),
    example: 'postgres://docat:secret@127.0.0.1:5432/docat',
    clusterRequired: true,
    secret: { path: 'database.url', url: true },
  }),
  DATABASE_REPLICA_URLS: variable({
    group: 'Database',
    description: 'Comma-separated read-replica connection strings for read-only queries.',
    schema: urlList(POSTGRES),
    default: '',
    secret: { path: 'database.replicaUrls', url: true },
  }),
  DATABASE_POOL_MAX: variable({
    group: 'Database',
    description: 'Connections per process in the PostgreSQL pool.',
    schema: integer(1, 1_000),
    default: '10',
  }),
  // Database TLS and the direct address for migrations.
  DATABASE_SSL_CA_FILE: variable({
    group: 'Database',
    description:
      'PEM file of the CA that signed the PostgreSQL server certificate, for sslmode=verify-ca or verify-full in DATABASE_URL (same as PGSSLROOTCERT or sslrootcert=). Applies to replicas and DATABASE_DIRECT_URL too.',
    schema: text(/^.+$/, 'a file path'),
    example: '/etc/docat/postgres-ca.pem',
  }),
  DATABASE_DIRECT_URL: variable({
    group: 'Database',
    description:
      'PostgreSQL itself, bypassing a transaction-pooling PgBouncer in DATABASE_URL: migrations take a session advisory lock, which transaction pooling cannot hold.',
    derivedDefault: 'DATABASE_URL',
    schema: url(POSTGRES),
    secret: { path: 'database.directUrl', url: true },
  }),

  // Redis
  REDIS_URL: variable({
    group: 'Redis',
    description:
      'Redis for the transport and the queues; it must run with maxmemory-policy noeviction. rediss:// turns on TLS. In cluster mode set this, REDIS_SENTINELS or REDIS_CLUSTER_NODES (exactly one).',
    schema: url(REDIS),
    example: 'redis://127.0.0.1:6379',
    secret: { path: 'redis.url', url: true },
  }),
  REDIS_CACHE_URL: variable({
    group: 'Redis',
    description: 'Redis for the result cache and rate limits, where eviction is allowed.',
    schema: url(REDIS),
    derivedDefault: 'REDIS_URL',
    secret: { path: 'redis.cacheUrl', url: true },
  }),
  REDIS_KEY_PREFIX: variable({
    group: 'Redis',
    description:
      'Prefix of every Redis key, so several deployments can share one Redis. Letters, digits, : _ -.',
    schema: text(KEY_PREFIX, 'letters, digits, ":", "_" or "-" (at most 63), without braces'),
    default: 'docat',
  }),
  // Redis topology: Sentinel or Cluster instead of one REDIS_URL, and TLS.
  REDIS_SENTINELS: variable({
    group: 'Redis',
    description:
      'Comma-separated Sentinel addresses (host:port). Docat then asks them for the current master of REDIS_SENTINEL_NAME and follows failovers. Replaces REDIS_URL.',
    schema: list(toHostAndPort, 'host:port'),
    default: '',
    example: 'sentinel-0:26379,sentinel-1:26379,sentinel-2:26379',
  }),
  REDIS_SENTINEL_NAME: variable({
    group: 'Redis',
    description: 'Name of the master the Sentinels watch (their `sentinel monitor <name>`).',
    schema: text(/^[A-Za-z0-9._-]{1,64}$/, 'a master name (letters, digits, . _ -)'),
    default: 'mymaster',
  }),
  REDIS_SENTINEL_PASSWORD: variable({
    group: 'Redis',
    description: 'Password of the Sentinels themselves (their requirepass), when they have one.',
    schema: secret(),
    secret: { path: 'redis.topology.sentinelPassword' },
  }),
  REDIS_CLUSTER_NODES: variable({
    group: 'Redis',
    description:
      'Comma-separated addresses (host:port) of some Redis Cluster nodes; the rest are discovered. Replaces REDIS_URL. Every key carries a hash tag, so multi-key commands stay in one slot.',
    schema: list(toHostAndPort, 'host:port'),
    default: '',
    example: 'redis-0:6379,redis-1:6379,redis-2:6379',
  }),
  REDIS_USERNAME: variable({
    group: 'Redis',
    description:
      'ACL user of the Redis data nodes, for REDIS_SENTINELS or REDIS_CLUSTER_NODES; user and password in a REDIS_URL take precedence.',
    schema: text(/^\S+$/, 'a user name without spaces'),
  }),
  REDIS_PASSWORD: variable({
    group: 'Redis',
    description:
      'Password of the Redis data nodes, for REDIS_SENTINELS or REDIS_CLUSTER_NODES; a password in a REDIS_URL takes precedence.',
    schema: secret(),
    secret: { path: 'redis.topology.password' },
  }),
  REDIS_TLS: variable({
    group: 'Redis',
    description:
      'TLS to Redis (data nodes and Sentinels). With REDIS_URL it follows the scheme (rediss://) and may not contradict it.',
    schema: boolean,
    derivedDefault: 'true when REDIS_URL starts with rediss://, else false',
  }),
  REDIS_TLS_CA_FILE: variable({
    group: 'Redis',
    description:
      'PEM file of the CA(s) that signed the Redis server certificates; the system trust store when unset. Server host names are always verified.',
    schema: text(/^.+$/, 'a file path'),
    example: '/etc/docat/redis-ca.pem',
  }),
  REDIS_TLS_CERT_FILE: variable({
    group: 'Redis',
    description:
      'PEM client certificate, for Redis servers that require one (tls-auth-clients yes).',
    schema: text(/^.+$/, 'a file path'),
  }),
  REDIS_TLS_KEY_FILE: variable({
    group: 'Redis',
    description: 'PEM private key of REDIS_TLS_CERT_FILE.',
    schema: text(/^.+$/, 'a file path'),
  }),

  // Object storage
  STORAGE_DRIVER: variable({
    group: 'Object storage',
    description:
      's3 (any S3-compatible store) or fs (a folder under DOCAT_DATA_DIR). In cluster mode set fs only when every process runs on one machine with the same DOCAT_DATA_DIR (npm run start:cluster does): replicas on other machines would not see the files.',
    schema: oneOf(['s3', 'fs']),
    derivedDefault: 's3 in cluster mode, fs in standalone mode',
  }),
  S3_ENDPOINT: variable({
    group: 'Object storage',
    description: 'Endpoint of an S3-compatible store (MinIO, Ceph, R2...). Unset for AWS S3.',
    schema: url(HTTP),
    example: 'http://127.0.0.1:9000',
  }),
  S3_BUCKET: variable({
    group: 'Object storage',
    description: 'Bucket holding uploads and results. Required when STORAGE_DRIVER=s3.',
    schema: text(BUCKET, 'an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)'),
    example: 'docat',
  }),
  S3_REGION: variable({
    group: 'Object storage',
    description: 'Region of the bucket.',
    schema: text(/^[a-z0-9-]+$/, 'a region name like us-east-1'),
    default: 'us-east-1',
  }),
  S3_ACCESS_KEY_ID: variable({
    group: 'Object storage',
    description:
      'Access key id. When unset the AWS default credential chain applies (IAM role, profile...).',
    schema: text(/^\S+$/, 'an access key id without spaces'),
  }),
  S3_SECRET_ACCESS_KEY: variable({
    group: 'Object storage',
    description: 'Secret access key belonging to S3_ACCESS_KEY_ID.',
    schema: secret(),
    secret: { path: 'storage.secretAccessKey' },
  }),
  S3_FORCE_PATH_STYLE: variable({
    group: 'Object storage',
    description:
      'Address buckets as endpoint/bucket instead of bucket.endpoint (MinIO and most self-hosted stores need it).',
    schema: boolean,
    derivedDefault: 'true when S3_ENDPOINT is set, else false',
  }),
  S3_SSE: variable({
    group: 'Object storage',
    description: 'Server-side encryption requested on every write: none, AES256 or aws:kms.',
    schema: oneOf(['none', 'AES256', 'aws:kms']),
    default: 'none',
  }),
  S3_SSE_KMS_KEY_ID: variable({
    group: 'Object storage',
    description: 'KMS key for S3_SSE=aws:kms; the bucket default key when unset.',
    schema: text(/^\S+$/, 'a KMS key id or ARN'),
  }),
  STORAGE_PUBLIC_URL: variable({
    group: 'Object storage',
    description:
      'Endpoint through which clients reach the store, used to sign direct download links. When unset, downloads stream through the gateway.',
    schema: url(HTTP),
    example: 'https://files.example.com',
  }),

  // Encryption
  DOCAT_ENCRYPTION_KEY: variable({
    group: 'Encryption',
    description:
      'AES-256 key (32 bytes, base64) encrypting recoverable secrets: signing keys, webhook secrets, stored PDF passwords. Required in cluster mode; in standalone mode generated into DOCAT_DATA_DIR when unset. To rotate, move the old key to DOCAT_ENCRYPTION_KEYS_PREVIOUS and set a new one.',
    schema: encryptionKeyText,
    example: '(openssl rand -base64 32)',
    clusterRequired: true,
    secret: { path: 'encryption.key' },
  }),
  DOCAT_ENCRYPTION_KEYS_PREVIOUS: variable({
    group: 'Encryption',
    description:
      'Comma-separated earlier keys, still accepted for decryption while stored values are re-encrypted under the current key.',
    schema: encryptionKeyTextList,
    default: '',
    secret: { path: 'encryption.previousKeys' },
  }),

  // Limits
  MAX_UPLOAD_BYTES: variable({
    group: 'Limits',
    description: 'Largest accepted upload in bytes.',
    schema: integer(1),
    default: '50000000',
  }),
  MAX_PAGES: variable({
    group: 'Limits',
    description: 'Largest accepted page count per document.',
    schema: integer(1, 100_000),
    default: '500',
  }),
  CHUNK_PAGES: variable({
    group: 'Limits',
    description: 'Pages per chunk: the unit of parallel work and of retry after a worker dies.',
    schema: integer(1, 1_000),
    default: '10',
  }),
  USER_MAX_CHUNKS_IN_FLIGHT: variable({
    group: 'Limits',
    description:
      "Most chunk steps of one account in flight at once per queue, so one large job cannot starve everyone else's. Dispatch is also bounded by the capacity the workers announce (see DOCAT_DISPATCH_RESERVED_SLOTS).",
    schema: integer(1, 10_000),
    default: '8',
  }),
  PAGE_FAILURE_SHARE: variable({
    group: 'Limits',
    description:
      'Share of pages (0 to 1) that may fail (OCR failure, damage) before the whole job fails with TOO_MANY_PAGE_FAILURES.',
    schema: fraction(),
    default: '0.1',
  }),

  // Workers
  DOCAT_WORKER_CONCURRENCY: variable({
    group: 'Workers',
    description:
      'Queue jobs one worker process runs at once. Unset: 1 for extraction (CPU-bound), 4 for translation (waits on engines).',
    schema: integer(1, 64),
  }),
  DOCAT_WORKER_LOCK_MS: variable({
    group: 'Workers',
    description:
      "How long a running queue job stays locked to its worker without a heartbeat; a killed worker's job moves on after it.",
    schema: integer(1_000, 3_600_000),
    default: '30000',
  }),
  DOCAT_CHUNK_LEASE_MS: variable({
    group: 'Workers',
    description:
      'How long a step a worker claimed stays leased without a heartbeat from that worker (it sends one every third of this). After it the worker is taken for gone and the step is re-issued. Waiting in a queue never counts against it.',
    schema: integer(1_000, 86_400_000),
    default: '30000',
  }),
  DOCAT_RECONCILE_INTERVAL_MS: variable({
    group: 'Workers',
    description: 'How often the orchestrator looks for chunk steps whose lease expired.',
    schema: integer(100, 3_600_000),
    default: '5000',
  }),
  DOCAT_DISPATCH_RESERVED_SLOTS: variable({
    group: 'Workers',
    description:
      "Worker slots per queue that one account cannot fill while it holds the others, so another account's step starts at once instead of after a long chunk. Applies only where the workers of a queue run more than this many steps at once; 0 lets one account use every slot.",
    schema: integer(0, 64),
    default: '1',
  }),

  // Accounts
  JWT_ACCESS_TTL_SECONDS: variable({
    group: 'Accounts',
    description: 'Lifetime of an access token in seconds.',
    schema: integer(30, 86_400),
    default: '900',
  }),
  JWT_REFRESH_TTL_SECONDS: variable({
    group: 'Accounts',
    description: 'Lifetime of a refresh token in seconds.',
    schema: integer(60, 31_536_000),
    default: '2592000',
  }),
  REGISTRATION: variable({
    group: 'Accounts',
    description:
      'Who may create an account: open (anyone), invite (with an invitation) or closed (admins only).',
    schema: oneOf(['open', 'invite', 'closed']),
    default: 'open',
  }),
  DOCAT_ADMIN_EMAIL: variable({
    group: 'Accounts',
    description:
      'Email of an admin account created at boot when missing. Set together with DOCAT_ADMIN_PASSWORD.',
    schema: text(EMAIL, 'an email address'),
    example: 'admin@example.com',
  }),
  DOCAT_ADMIN_PASSWORD: variable({
    group: 'Accounts',
    description:
      'Password of that admin account (at least 12 characters); only used when the account is created.',
    schema: secret(12),
    secret: { path: 'accounts.adminPassword' },
  }),
  JWT_SIGNING_KEY_ROTATION: variable({
    group: 'Accounts',
    description:
      'How long one key signs access tokens before auth generates the next; the previous key stays in the JWKS until its last tokens expired.',
    schema: durationMs,
    default: '30d',
  }),
  DOCAT_PUBLIC_URL: variable({
    group: 'Accounts',
    description:
      'Public address of the API, used to build the links in account emails (email verification, password reset).',
    schema: url(HTTP),
    default: 'http://localhost:8080',
  }),
  PASSWORD_RESET_TTL: variable({
    group: 'Accounts',
    description: 'How long a password reset link stays valid (it works once).',
    schema: durationMs,
    default: '30m',
  }),
  EMAIL_VERIFICATION_TTL: variable({
    group: 'Accounts',
    description: 'How long an email verification link stays valid (it works once).',
    schema: durationMs,
    default: '48h',
  }),
  MAIL_SMTP_URL: variable({
    group: 'Accounts',
    description:
      'SMTP server that delivers account emails (verification, password reset): smtp://user:pass@host:587 (STARTTLS when offered) or smtps://...:465. Unset: emails are written to the log, with their links outside production only.',
    schema: url(['smtp:', 'smtps:']),
    example: 'smtp://docat:secret@mail.example.com:587',
    secret: { path: 'accounts.mail.smtpUrl', url: true },
  }),
  MAIL_FROM: variable({
    group: 'Accounts',
    description: 'Sender of account emails.',
    schema: text(/^.{3,200}$/, 'a sender address, e.g. Docat <no-reply@example.com>'),
    default: 'Docat <no-reply@localhost>',
  }),

  // Credits
  CREDITS_ENABLED: variable({
    group: 'Credits',
    description:
      'Charge jobs to the credits ledger: probe before work, reserve the worst case, settle the actual. false runs every job free and records nothing.',
    schema: boolean,
    default: 'true',
  }),
  CREDITS_UNLIMITED: variable({
    group: 'Credits',
    description:
      'Every plan unlimited: usage is still recorded, nothing is refused with INSUFFICIENT_CREDITS.',
    schema: boolean,
    derivedDefault: 'true in standalone mode, false in cluster mode',
  }),
  CREDITS_REQUIRE_VERIFIED_EMAIL: variable({
    group: 'Credits',
    description: "Grant a plan's credits only once the account's email address is verified.",
    schema: boolean,
    default: 'true',
  }),
  CREDITS_PLAN_FREE: variable({
    group: 'Credits',
    description: 'Credits per period of the free plan.',
    schema: integer(0),
    default: '500',
  }),
  CREDITS_PLAN_PLUS: variable({
    group: 'Credits',
    description: 'Credits per period of the plus plan.',
    schema: integer(0),
    default: '50000',
  }),
  CREDITS_PLAN_PRO: variable({
    group: 'Credits',
    description: 'Credits per period of the pro plan.',
    schema: integer(0),
    default: '1000000',
  }),
  CREDITS_PERIOD: variable({
    group: 'Credits',
    description:
      'Length of a credits period, starting at midnight UTC: a calendar month, an ISO week (from Monday) or a day.',
    schema: oneOf(['month', 'week', 'day']),
    default: 'month',
  }),
  CREDITS_PER_TEXT_PAGE: variable({
    group: 'Credits',
    description: 'Credits per page extracted from its text layer.',
    schema: integer(0, 1_000_000),
    default: '1',
  }),
  CREDITS_PER_OCR_PAGE: variable({
    group: 'Credits',
    description: 'Credits per page extracted with OCR (a page without a usable text layer).',
    schema: integer(0, 1_000_000),
    default: '5',
  }),
  CREDITS_PER_1000_CHARACTERS: variable({
    group: 'Credits',
    description:
      'Credits per 1,000 characters sent to a paid engine, rounded up per job. The pseudo engine, translation memory and result-cache hits are free.',
    schema: integer(0, 1_000_000),
    default: '1',
  }),
  CREDITS_RESERVE_CHARACTERS_PER_PAGE: variable({
    group: 'Credits',
    description:
      'Characters per page assumed when reserving the worst case of a translation by a paid engine (the probe does not read the text).',
    schema: integer(0, 1_000_000),
    default: '5000',
  }),
  CREDITS_RESERVATION_TTL: variable({
    group: 'Credits',
    description:
      'How long a reservation holds credits when its job never reports an end (a crash between reserving and creating the job).',
    schema: durationMs,
    default: '24h',
  }),

  // Rate limits
  RATE_LIMIT_PDF_UPLOAD: variable({
    group: 'Rate limits',
    description: 'Uploads per account: <count>/<second|minute|hour|day|duration>.',
    schema: rateLimit,
    default: '10/hour',
  }),
  RATE_LIMIT_API_GENERAL: variable({
    group: 'Rate limits',
    description: 'Other API requests per account.',
    schema: rateLimit,
    default: '1000/hour',
  }),
  RATE_LIMIT_AUTH_LOGIN: variable({
    group: 'Rate limits',
    description: 'Login attempts per client address and email.',
    schema: rateLimit,
    default: '5/minute',
  }),
  RATE_LIMIT_PASSWORD_RESET: variable({
    group: 'Rate limits',
    description: 'Password reset requests per email.',
    schema: rateLimit,
    default: '3/hour',
  }),
  // Rate limits per plan and login lockout (enforced by the gateway)
  RATE_LIMIT_PLANS: variable({
    group: 'Rate limits',
    description:
      'Per-plan overrides of RATE_LIMIT_PDF_UPLOAD and RATE_LIMIT_API_GENERAL: <plan>:<pdf_upload|api_general>=<count>/<window>,... with plans separated by ";". A plan not listed gets the limits above; none gives every plan the limits above.',
    schema: planRateLimits,
    default:
      'plus:pdf_upload=50/hour,api_general=5000/hour;pro:pdf_upload=200/hour,api_general=20000/hour',
  }),
  LOGIN_LOCKOUT: variable({
    group: 'Rate limits',
    description:
      'Failed logins per account that lock it: <count>/<window>. A locked account is refused (423 ACCOUNT_LOCKED) until the oldest counted failure is older than the window; a successful login clears the count.',
    schema: rateLimit,
    default: '10/15m',
  }),

  // Retention
  RETENTION_UPLOADS: variable({
    group: 'Retention',
    description: 'How long uploaded source PDFs are kept (units: ms, s, m, h, d, w, y).',
    schema: durationMs,
    default: '24h',
  }),
  RETENTION_RESULTS: variable({
    group: 'Retention',
    description: 'How long produced outputs are kept.',
    schema: durationMs,
    default: '30d',
  }),
  RETENTION_JOBS: variable({
    group: 'Retention',
    description: 'How long job records (without files) are kept.',
    schema: durationMs,
    default: '730d',
  }),
  RETENTION_ACCOUNTS: variable({
    group: 'Retention',
    description: 'How long an inactive account is kept before deletion.',
    schema: durationMs,
    default: '7y',
  }),
  RESULT_CACHE_TTL: variable({
    group: 'Retention',
    description: 'How long a finished result stays in the Redis cache in front of storage.',
    schema: durationMs,
    default: '2h',
  }),
  RETENTION_SWEEP_INTERVAL: variable({
    group: 'Retention',
    description:
      'How often the ingestion service runs the retention sweeps (a scheduled job on the maintenance queue).',
    schema: durationMs,
    default: '1h',
  }),
  RETENTION_SWEEP_BATCH: variable({
    group: 'Retention',
    description:
      'Items (objects, jobs, accounts) one retention step handles before it looks again; bounds each transaction and storage call.',
    schema: integer(1, 10_000),
    default: '500',
  }),

  // Translation engines
  TRANSLATION_ENGINES: variable({
    group: 'Translation engines',
    description: `Enabled engines in fallback order, from: ${ENGINE_NAMES.join(', ')}. Empty enables every engine whose credentials are set, then pseudo.`,
    schema: list(
      (entry) =>
        (ENGINE_NAMES as readonly string[]).includes(entry) ? (entry as EngineName) : undefined,
      `an engine (${ENGINE_NAMES.join(', ')})`,
    ),
    default: '',
    example: 'deepl,openai,pseudo',
  }),
  DEFAULT_ENGINE: variable({
    group: 'Translation engines',
    description: 'Engine used when a request names none; the first enabled engine when unset.',
    schema: oneOf(ENGINE_NAMES),
  }),
  ENGINE_CONNECT_TIMEOUT: variable({
    group: 'Translation engines',
    description:
      'An engine request not answered after this long has its host probed: a host that takes no TCP connection within the same time fails the attempt then (ENGINE_TIMEOUT once the deadline passes), instead of waiting out the response timeout.',
    schema: durationMs,
    default: '5s',
  }),
  ENGINE_RESPONSE_TIMEOUT: variable({
    group: 'Translation engines',
    description:
      'Time an engine has to answer one request, before ENGINE_RESPONSE_TIME_PER_1000_CHARS is added for the text it carries. A request past it is abandoned and tried again while ENGINE_DEADLINE allows.',
    schema: durationMs,
    default: '10s',
  }),
  ENGINE_RESPONSE_TIME_PER_1000_CHARS: variable({
    group: 'Translation engines',
    description:
      'Time added to ENGINE_RESPONSE_TIMEOUT for every 1,000 characters a request carries. When unset: 2s for deepl, google and libretranslate (18 s for a full 4,000-character batch), 20s for the LLM engines openai, openrouter, gemini and anthropic (90 s); a slow self-hosted model may need more.',
    schema: durationMs,
  }),
  ENGINE_DEADLINE: variable({
    group: 'Translation engines',
    description:
      "Time every attempt of one batch on one engine must end in, retries and their waits included, counted from the first request (never less than one whole request's time). Past it the engine counts as failed: the next engine of TRANSLATION_ENGINES takes the batch, or the job fails with ENGINE_TIMEOUT. A provider's Retry-After is waited for regardless.",
    schema: durationMs,
    default: '1m',
  }),
  OPENAI_API_KEY: variable({
    group: 'Translation engines',
    description: 'Key for the OpenAI-compatible chat API.',
    schema: secret(),
    secret: { path: 'translation.openai.apiKey' },
  }),
  OPENAI_BASE_URL: variable({
    group: 'Translation engines',
    description: 'Base URL of the OpenAI-compatible API (a local server needs no key).',
    schema: url(HTTP),
    default: 'https://api.openai.com/v1',
  }),
  OPENAI_MODEL: variable({
    group: 'Translation engines',
    description: 'Chat model used for translation.',
    schema: text(/^\S+$/, 'a model name'),
    default: 'gpt-4.1-mini',
  }),
  OPENAI_LANGUAGES: engineLanguages('the OpenAI-compatible engine'),
  OPENROUTER_API_KEY: variable({
    group: 'Translation engines',
    description: 'Key for OpenRouter (OpenAI-compatible).',
    schema: secret(),
    secret: { path: 'translation.openrouter.apiKey' },
  }),
  OPENROUTER_BASE_URL: variable({
    group: 'Translation engines',
    description: 'Base URL of the OpenRouter API.',
    schema: url(HTTP),
    default: 'https://openrouter.ai/api/v1',
  }),
  OPENROUTER_MODEL: variable({
    group: 'Translation engines',
    description: 'Model used through OpenRouter.',
    schema: text(/^\S+$/, 'a model name'),
    default: 'openai/gpt-4.1-mini',
  }),
  OPENROUTER_LANGUAGES: engineLanguages('OpenRouter'),
  GEMINI_API_KEY: variable({
    group: 'Translation engines',
    description: 'Key for Gemini through its OpenAI-compatible endpoint.',
    schema: secret(),
    secret: { path: 'translation.gemini.apiKey' },
  }),
  GEMINI_BASE_URL: variable({
    group: 'Translation engines',
    description: "Base URL of Gemini's OpenAI-compatible endpoint.",
    schema: url(HTTP),
    default: 'https://generativelanguage.googleapis.com/v1beta/openai/',
  }),
  GEMINI_MODEL: variable({
    group: 'Translation engines',
    description: 'Gemini model used for translation.',
    schema: text(/^\S+$/, 'a model name'),
    default: 'gemini-2.5-flash',
  }),
  GEMINI_LANGUAGES: engineLanguages('Gemini'),
  ANTHROPIC_API_KEY: variable({
    group: 'Translation engines',
    description: 'Key for the Anthropic Messages API.',
    schema: secret(),
    secret: { path: 'translation.anthropic.apiKey' },
  }),
  ANTHROPIC_BASE_URL: variable({
    group: 'Translation engines',
    description: 'Base URL of the Anthropic API.',
    schema: url(HTTP),
    default: 'https://api.anthropic.com',
  }),
  ANTHROPIC_MODEL: variable({
    group: 'Translation engines',
    description: 'Claude model used for translation.',
    schema: text(/^\S+$/, 'a model name'),
    default: 'claude-sonnet-4-5',
  }),
  ANTHROPIC_LANGUAGES: engineLanguages('Anthropic'),
  DEEPL_AUTH_KEY: variable({
    group: 'Translation engines',
    description: 'DeepL API key (keys ending in :fx use the free API).',
    schema: secret(),
    secret: { path: 'translation.deepl.authKey' },
  }),
  DEEPL_SERVER_URL: variable({
    group: 'Translation engines',
    description: 'DeepL server; chosen from the key type when unset.',
    schema: url(HTTP),
  }),
  GOOGLE_API_KEY: variable({
    group: 'Translation engines',
    description: 'Google Cloud Translation API key.',
    schema: secret(),
    secret: { path: 'translation.google.apiKey' },
  }),
  GOOGLE_TRANSLATE_URL: variable({
    group: 'Translation engines',
    description: 'Base URL of the Cloud Translation REST API; the public endpoint when unset.',
    schema: url(HTTP),
  }),
  GOOGLE_PROJECT_ID: variable({
    group: 'Translation engines',
    description: 'Google Cloud project for Cloud Translation.',
    schema: text(/^\S+$/, 'a project id'),
  }),
  LIBRETRANSLATE_URL: variable({
    group: 'Translation engines',
    description: 'Base URL of a LibreTranslate server.',
    schema: url(HTTP),
    example: 'http://127.0.0.1:5000',
  }),
  LIBRETRANSLATE_API_KEY: variable({
    group: 'Translation engines',
    description: 'API key for that LibreTranslate server, if it requires one.',
    schema: secret(),
    secret: { path: 'translation.libretranslate.apiKey' },
  }),

  // Webhooks
  WEBHOOK_MAX_ENDPOINTS: variable({
    group: 'Webhooks',
    description:
      'Webhook endpoints one account may register: a count for every plan, then ;<plan>:<count> overrides. Past it, POST /v1/webhooks answers 422 LIMIT_REACHED.',
    schema: planCounts,
    default: '10',
    example: '10;pro:25',
  }),
  WEBHOOK_RATE_LIMIT: variable({
    group: 'Webhooks',
    description:
      'Webhook requests sent for one account: <count>/<window>. Deliveries past it wait for a free slot (they are not dropped and use no attempt).',
    schema: rateLimit,
    default: '120/minute',
  }),
  WEBHOOK_RETRY_BUDGET: variable({
    group: 'Webhooks',
    description:
      'Retries of all the deliveries of one job together. Once spent, a failed delivery is dead-lettered at once, so one job causes at most (its endpoints + 1) first attempts plus this many retries.',
    schema: integer(0),
    default: '30',
  }),
  WEBHOOK_ALLOWED_HOSTS: variable({
    group: 'Webhooks',
    description:
      'Comma-separated hosts (host, *.example.com, [::1], each optionally with :port) that webhooks may reach even though they resolve to loopback, private, link-local or metadata addresses. Everything else non-public is refused.',
    schema: list(toHostWithOptionalPort, 'a hostname, optionally with :port'),
    default: '',
  }),

  // PDF processing
  RESPECT_PDF_PERMISSIONS: variable({
    group: 'PDF processing',
    description: 'Refuse (PDF_COPY_PROTECTED) documents whose permissions forbid copying text.',
    schema: boolean,
    default: 'true',
  }),
  PDF_KEEP_ACTIVE_CONTENT: variable({
    group: 'PDF processing',
    description:
      "Keep the source's JavaScript, OpenAction, additional actions, launch actions and embedded files in the translated and bilingual PDFs. Off: they are removed (links, bookmarks and form fields stay).",
    schema: boolean,
    default: 'false',
  }),
  OCR_ENGINE: variable({
    group: 'PDF processing',
    description:
      'OCR engine: `native` (the tesseract binary, several times faster), `tesseract-js` (WebAssembly, needs no system package), or `auto` (native when installed).',
    schema: oneOf(['auto', 'native', 'tesseract-js']),
    default: 'auto',
  }),
  OCR_NICE: variable({
    group: 'PDF processing',
    description:
      "How many scheduling priority steps (nice, 0 to 19) below the service an extraction runs once it starts OCR, with the tesseract processes or threads it starts: other work on the host's Docat processes (a small job's extraction, translation, rendering) gets the CPU first, and OCR still uses every core left idle. The priority orders OCR against the processes of its own scheduling group only: with Linux automatic grouping by session, the services started from one session (as docker compose or one shell starts them); in containers, its own container. 0 keeps OCR at the service's priority, for a host where other software at normal priority would otherwise take OCR's CPU time.",
    schema: integer(0, 19),
    default: '10',
  }),
  TESSDATA_PREFIX: variable({
    group: 'PDF processing',
    description:
      'Folder with tesseract traineddata files for OCR; the bundled language data when unset.',
    schema: text(/^.+$/, 'a folder path'),
  }),

  // Observability
  OTEL_EXPORTER_OTLP_ENDPOINT: variable({
    group: 'Observability',
    description: 'OTLP endpoint receiving traces and metrics; tracing export is off when unset.',
    schema: url(HTTP),
    example: 'http://otel-collector:4318',
  }),
} as const;

export type Variables = typeof VARIABLES;
export type VariableName = keyof Variables;
export const VARIABLE_NAMES = Object.keys(VARIABLES) as VariableName[];

/** Parsed value of each variable; `undefined` only where there is no default. */
export type VariableValues = {
  [K in VariableName]: Variables[K] extends VariableSpec<infer S, infer D>
    ? D extends string
      ? z.output<S>
      : z.output<S> | undefined
    : never;
};

export function describeDefault(
  spec: VariableSpec<z.ZodType<unknown, string>, string | undefined>,
): string | undefined {
  return spec.derivedDefault ?? spec.default;
}
