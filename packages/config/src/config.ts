import { resolve } from 'node:path';
import type { z } from 'zod';
import type { LanguageCode } from '@docat/contracts';
import type { PlanCounts, PlanRateLimits, RateLimit } from './parsers.js';
import {
  VARIABLE_NAMES,
  VARIABLES,
  type EngineName,
  type VariableName,
  type VariableSpec,
  type VariableValues,
} from './variables.js';

export type DocatMode = 'cluster' | 'standalone';

export type StorageConfig =
  | { driver: 'fs'; root: string }
  | {
      driver: 's3';
      endpoint?: string;
      bucket: string;
      region: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      forcePathStyle: boolean;
      serverSideEncryption?: 'AES256' | 'aws:kms';
      sseKmsKeyId?: string;
      /** Endpoint clients reach the store at; direct download links are signed for it. */
      publicUrl?: string;
    };

export interface RedisHostPort {
  host: string;
  port: number;
}

/** TLS to Redis: present means on. Files are PEM, read when a connection is made. */
export interface RedisTlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** How to reach the Redis of the transport and the queues. */
export type RedisTopologyConfig =
  /** REDIS_URL (in `redis.url`, kept out of here so it is redacted in one place). */
  | { kind: 'standalone'; username?: string; password?: string; tls?: RedisTlsConfig }
  | {
      kind: 'sentinel';
      sentinels: RedisHostPort[];
      masterName: string;
      sentinelPassword?: string;
      username?: string;
      password?: string;
      tls?: RedisTlsConfig;
    }
  | {
      kind: 'cluster';
      nodes: RedisHostPort[];
      username?: string;
      password?: string;
      tls?: RedisTlsConfig;
    };

export interface DocatConfig {
  mode: DocatMode;
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** LOG_FORMAT: read by the standalone server only; the cluster services always write JSON. */
  logFormat: 'auto' | 'json' | 'text';
  /** Share (0 to 1) of successful read requests logged at info; the rest at debug. */
  logReadSample: number;
  /** Absolute. */
  dataDir: string;
  http: {
    port: number;
    managementPort: number;
    corsOrigins: readonly string[];
    sseHeartbeatMs: number;
    /** TRUSTED_PROXIES: peers whose X-Forwarded-For names the client. */
    trustedProxies: readonly string[];
    /** False when MANAGEMENT_PORT is the default, not set in the environment (standalone serves no management port then). */
    managementPortSet: boolean;
    bodyTimeoutMs: number;
    uploadMinBytesPerSecond: number;
    uploadRateWindowMs: number;
    sseMaxStreamsPerAccount: number;
    sseMaxStreamsPerProcess: number;
    metricsToken?: string;
  };
  /** `url` unset only in standalone mode, meaning the embedded PostgreSQL. */
  database: {
    url?: string;
    replicaUrls: readonly string[];
    poolMax: number;
    /** PostgreSQL itself for migrations when `url` goes through a transaction pooler. */
    directUrl?: string;
    sslCaFile?: string;
  };
  /**
   * `topology` unset only in standalone mode, meaning in-process transport, queues and
   * cache. `url` is REDIS_URL (unset with Sentinel or Cluster); `cacheUrl` a separate
   * cache Redis, unset to use the topology.
   */
  redis: { url?: string; cacheUrl?: string; keyPrefix: string; topology?: RedisTopologyConfig };
  storage: StorageConfig;
  /** Base64 keys; turn them into a keyring with `resolveEncryptionKey`. */
  encryption: { key?: string; previousKeys: readonly string[] };
  limits: {
    maxUploadBytes: number;
    maxPages: number;
    chunkPages: number;
    userMaxChunksInFlight: number;
    pageFailureShare: number;
  };
  workers: {
    /** Unset: each worker's own default. */
    concurrency?: number;
    lockMs: number;
    chunkLeaseMs: number;
    reconcileIntervalMs: number;
    dispatchReservedSlots: number;
  };
  accounts: {
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    registration: 'open' | 'invite' | 'closed';
    adminEmail?: string;
    adminPassword?: string;
    /** Milliseconds one signing key signs before the next is generated. */
    signingKeyRotationMs: number;
    publicUrl: string;
    passwordResetTtlMs: number;
    emailVerificationTtlMs: number;
    /** Unset `smtpUrl`: account emails go to the log. */
    mail: { smtpUrl?: string; from: string };
  };
  credits: {
    enabled: boolean;
    unlimited: boolean;
    requireVerifiedEmail: boolean;
    /** Credits per period by plan name. */
    plans: Readonly<Record<string, number>>;
    period: 'month' | 'week' | 'day';
    rates: { textPage: number; ocrPage: number; translationPer1000Characters: number };
    reserveCharactersPerPage: number;
    reservationTtlMs: number;
  };
  rateLimits: {
    pdfUpload: RateLimit;
    apiGeneral: RateLimit;
    authLogin: RateLimit;
    passwordReset: RateLimit;
    /** Overrides of pdfUpload and apiGeneral by plan name (RATE_LIMIT_PLANS). */
    byPlan: PlanRateLimits;
    /** Failed logins per account that lock it for the rest of the window (LOGIN_LOCKOUT). */
    loginLockout: RateLimit;
  };
  /** Milliseconds. */
  retention: {
    uploads: number;
    results: number;
    jobs: number;
    accounts: number;
    resultCacheTtl: number;
    sweepInterval: number;
    sweepBatch: number;
  };
  translation: {
    /** Empty means: every engine whose credentials are set, then pseudo. */
    engines: readonly EngineName[];
    defaultEngine?: EngineName;
    /** How long the scheduler waits for an engine, in milliseconds (see ENGINE_DEADLINE). */
    timeouts: {
      connectMs: number;
      responseMs: number;
      /** Unset: each engine's own default (longer for LLM engines). */
      perThousandCharsMs?: number;
      deadlineMs: number;
    };
    openai: {
      apiKey?: string;
      baseUrl: string;
      model: string;
      languages?: readonly LanguageCode[];
    };
    openrouter: {
      apiKey?: string;
      baseUrl: string;
      model: string;
      languages?: readonly LanguageCode[];
    };
    gemini: {
      apiKey?: string;
      baseUrl: string;
      model: string;
      languages?: readonly LanguageCode[];
    };
    anthropic: {
      apiKey?: string;
      baseUrl: string;
      model: string;
      languages?: readonly LanguageCode[];
    };
    deepl: { authKey?: string; serverUrl?: string };
    google: { apiKey?: string; projectId?: string; baseUrl?: string };
    libretranslate: { url?: string; apiKey?: string };
  };
  webhooks: {
    allowedHosts: readonly string[];
    maxEndpoints: PlanCounts;
    rateLimit: RateLimit;
    retryBudget: number;
  };
  pdf: {
    respectPermissions: boolean;
    tessdataPrefix?: string;
    ocrEngine: 'auto' | 'native' | 'tesseract-js';
    /** Nice steps below the service at which OCR extractions run (`OcrBudget.nice`). */
    ocrNice: number;
    keepActiveContent: boolean;
  };
  telemetry: { otlpEndpoint?: string };
}

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Every problem found in the environment at once, one line per variable. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type AnySpec = VariableSpec<z.ZodType<unknown, string>, string | undefined>;

function parseVariables(env: NodeJS.ProcessEnv, issues: ConfigIssue[]): VariableValues {
  const values: Record<string, unknown> = {};
  for (const name of VARIABLE_NAMES) {
    const spec: AnySpec = VARIABLES[name];
    const given = env[name];
    // An empty assignment (`PORT=`) means unset, as in most .env tooling.
    const raw = given === undefined || given.trim() === '' ? spec.default : given;
    if (raw === undefined) continue;
    const result = spec.schema.safeParse(raw);
    if (result.success) values[name] = result.data;
    else
      issues.push({
        variable: name,
        message: result.error.issues.map((i) => i.message).join('; '),
      });
  }
  return values as VariableValues;
}

const KEYED_ENGINES: Partial<Record<EngineName, VariableName>> = {
  openrouter: 'OPENROUTER_API_KEY',
  gemini: 'GEMINI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  deepl: 'DEEPL_AUTH_KEY',
  google: 'GOOGLE_API_KEY',
  libretranslate: 'LIBRETRANSLATE_URL',
};

function crossCheck(v: VariableValues, issues: ConfigIssue[]): void {
  const failed = new Set(issues.map((i) => i.variable));
  const isSet = (name: VariableName) => v[name] !== undefined || failed.has(name);
  const mode = v.DOCAT_MODE;
  const driver = v.STORAGE_DRIVER ?? (mode === 'cluster' ? 's3' : 'fs');

  if (mode === 'cluster') {
    for (const name of VARIABLE_NAMES) {
      const spec: AnySpec = VARIABLES[name];
      if (spec.clusterRequired && !isSet(name))
        issues.push({ variable: name, message: 'is required when DOCAT_MODE=cluster' });
    }
    // Replicas on several machines share no filesystem, so cluster mode defaults to s3;
    // fs is allowed only when asked for, for every process on one machine (npm run start:cluster).
  }
  checkRedisTopology(v, issues, isSet);
  if (driver === 's3' && !isSet('S3_BUCKET'))
    issues.push({ variable: 'S3_BUCKET', message: 'is required when STORAGE_DRIVER=s3' });
  if (v.S3_SSE_KMS_KEY_ID !== undefined && v.S3_SSE !== 'aws:kms')
    issues.push({ variable: 'S3_SSE_KMS_KEY_ID', message: 'is only used with S3_SSE=aws:kms' });
  if (isSet('S3_ACCESS_KEY_ID') !== isSet('S3_SECRET_ACCESS_KEY'))
    issues.push({
      variable: isSet('S3_ACCESS_KEY_ID') ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID',
      message: 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together',
    });
  if (v.PORT !== undefined && v.PORT === v.MANAGEMENT_PORT)
    issues.push({ variable: 'MANAGEMENT_PORT', message: 'must differ from PORT' });
  if (isSet('DOCAT_ADMIN_EMAIL') !== isSet('DOCAT_ADMIN_PASSWORD'))
    issues.push({
      variable: isSet('DOCAT_ADMIN_EMAIL') ? 'DOCAT_ADMIN_PASSWORD' : 'DOCAT_ADMIN_EMAIL',
      message: 'DOCAT_ADMIN_EMAIL and DOCAT_ADMIN_PASSWORD must be set together',
    });

  const engines = v.TRANSLATION_ENGINES ?? [];
  for (const engine of engines) {
    const needs = KEYED_ENGINES[engine];
    if (needs && !isSet(needs))
      issues.push({
        variable: 'TRANSLATION_ENGINES',
        message: `engine ${engine} is enabled but ${needs} is not set`,
      });
  }
  // An OpenAI-compatible local server needs no key; the hosted API does.
  const openaiHosted = v.OPENAI_BASE_URL === VARIABLES.OPENAI_BASE_URL.default;
  if (engines.includes('openai') && openaiHosted && !isSet('OPENAI_API_KEY'))
    issues.push({
      variable: 'TRANSLATION_ENGINES',
      message: 'engine openai is enabled but OPENAI_API_KEY is not set',
    });
  if (v.DEFAULT_ENGINE !== undefined && engines.length > 0 && !engines.includes(v.DEFAULT_ENGINE))
    issues.push({
      variable: 'DEFAULT_ENGINE',
      message: `${v.DEFAULT_ENGINE} is not listed in TRANSLATION_ENGINES`,
    });
}

function checkRedisTopology(
  v: VariableValues,
  issues: ConfigIssue[],
  isSet: (name: VariableName) => boolean,
): void {
  const given = (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const).filter((name) =>
    name === 'REDIS_URL' ? isSet(name) : (v[name]?.length ?? 0) > 0,
  );
  if (v.DOCAT_MODE === 'cluster' && given.length === 0)
    issues.push({
      variable: 'REDIS_URL',
      message:
        'is required when DOCAT_MODE=cluster (or set REDIS_SENTINELS or REDIS_CLUSTER_NODES)',
    });
  if (given.length > 1)
    issues.push({ variable: given[1]!, message: `set only one of ${given.join(', ')}` });
  const viaUrl = v.REDIS_URL !== undefined;
  if (viaUrl && v.REDIS_TLS !== undefined && v.REDIS_TLS !== v.REDIS_URL!.startsWith('rediss:'))
    issues.push({
      variable: 'REDIS_TLS',
      message: 'contradicts the scheme of REDIS_URL (rediss:// means TLS)',
    });
  const tls = viaUrl ? v.REDIS_URL!.startsWith('rediss:') : (v.REDIS_TLS ?? false);
  for (const name of ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE'] as const)
    if (isSet(name) && !tls)
      issues.push({
        variable: name,
        message: 'needs TLS: a rediss:// REDIS_URL or REDIS_TLS=true',
      });
  if (isSet('REDIS_TLS_CERT_FILE') !== isSet('REDIS_TLS_KEY_FILE'))
    issues.push({
      variable: isSet('REDIS_TLS_CERT_FILE') ? 'REDIS_TLS_KEY_FILE' : 'REDIS_TLS_CERT_FILE',
      message: 'REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE must be set together',
    });
}

function hostPort(entry: string): RedisHostPort {
  const colon = entry.lastIndexOf(':');
  const host = entry.slice(0, colon);
  return {
    host: host.startsWith('[') ? host.slice(1, -1) : host,
    port: Number(entry.slice(colon + 1)),
  };
}

function redisTopology(v: VariableValues): RedisTopologyConfig | undefined {
  const files = {
    caFile: v.REDIS_TLS_CA_FILE,
    certFile: v.REDIS_TLS_CERT_FILE,
    keyFile: v.REDIS_TLS_KEY_FILE,
  };
  const tlsFiles = Object.fromEntries(
    Object.entries(files).filter(([, f]) => f !== undefined),
  ) as RedisTlsConfig;
  const credentials = {
    ...(v.REDIS_USERNAME !== undefined ? { username: v.REDIS_USERNAME } : {}),
    ...(v.REDIS_PASSWORD !== undefined ? { password: v.REDIS_PASSWORD } : {}),
  };
  if (v.REDIS_URL !== undefined)
    return {
      kind: 'standalone',
      ...credentials,
      ...(v.REDIS_URL.startsWith('rediss:') ? { tls: tlsFiles } : {}),
    };
  const tls = v.REDIS_TLS ? { tls: tlsFiles } : {};
  if (v.REDIS_SENTINELS.length > 0)
    return {
      kind: 'sentinel',
      sentinels: v.REDIS_SENTINELS.map(hostPort),
      masterName: v.REDIS_SENTINEL_NAME,
      ...(v.REDIS_SENTINEL_PASSWORD !== undefined
        ? { sentinelPassword: v.REDIS_SENTINEL_PASSWORD }
        : {}),
      ...credentials,
      ...tls,
    };
  if (v.REDIS_CLUSTER_NODES.length > 0)
    return { kind: 'cluster', nodes: v.REDIS_CLUSTER_NODES.map(hostPort), ...credentials, ...tls };
  return undefined;
}

/**
 * DATABASE_SSL_CA_FILE goes into each connection string as libpq's `sslrootcert`, with
 * `sslmode=verify-full` unless the URL names a mode, so every PostgreSQL client built
 * from the URL (pools, migrator, health probes) verifies the server the same way.
 */
function withSslRootCert(url: string | undefined, caFile: string | undefined): string | undefined {
  if (url === undefined || caFile === undefined) return url;
  const parsed = new URL(url);
  if (!parsed.searchParams.has('sslrootcert')) parsed.searchParams.set('sslrootcert', caFile);
  if (!parsed.searchParams.has('sslmode')) parsed.searchParams.set('sslmode', 'verify-full');
  return parsed.toString();
}

function build(v: VariableValues, cwd: string, env: NodeJS.ProcessEnv = {}): DocatConfig {
  const dataDir = resolve(cwd, v.DOCAT_DATA_DIR);
  const driver = v.STORAGE_DRIVER ?? (v.DOCAT_MODE === 'cluster' ? 's3' : 'fs');
  const storage: StorageConfig =
    driver === 'fs'
      ? { driver: 'fs', root: resolve(dataDir, 'objects') }
      : {
          driver: 's3',
          endpoint: v.S3_ENDPOINT,
          // crossCheck guarantees a bucket whenever the driver is s3.
          bucket: v.S3_BUCKET ?? '',
          region: v.S3_REGION,
          accessKeyId: v.S3_ACCESS_KEY_ID,
          secretAccessKey: v.S3_SECRET_ACCESS_KEY,
          forcePathStyle: v.S3_FORCE_PATH_STYLE ?? v.S3_ENDPOINT !== undefined,
          serverSideEncryption: v.S3_SSE === 'none' ? undefined : v.S3_SSE,
          sseKmsKeyId: v.S3_SSE_KMS_KEY_ID,
          publicUrl: v.STORAGE_PUBLIC_URL,
        };
  return {
    mode: v.DOCAT_MODE,
    nodeEnv: v.NODE_ENV,
    logLevel: v.LOG_LEVEL,
    logFormat: v.LOG_FORMAT,
    logReadSample: v.LOG_READ_REQUESTS_SAMPLE,
    dataDir,
    http: {
      port: v.PORT,
      managementPort: v.MANAGEMENT_PORT,
      corsOrigins: v.CORS_ORIGINS,
      sseHeartbeatMs: v.SSE_HEARTBEAT_INTERVAL,
      trustedProxies: v.TRUSTED_PROXIES,
      managementPortSet: (env.MANAGEMENT_PORT ?? '').trim() !== '',
      bodyTimeoutMs: v.HTTP_BODY_TIMEOUT,
      uploadMinBytesPerSecond: v.UPLOAD_MIN_RATE,
      uploadRateWindowMs: v.UPLOAD_RATE_WINDOW,
      sseMaxStreamsPerAccount: v.SSE_MAX_STREAMS_PER_ACCOUNT,
      sseMaxStreamsPerProcess: v.SSE_MAX_STREAMS_PER_PROCESS,
      metricsToken: v.METRICS_TOKEN,
    },
    database: {
      url: withSslRootCert(v.DATABASE_URL, v.DATABASE_SSL_CA_FILE),
      replicaUrls: v.DATABASE_REPLICA_URLS.map((u) => withSslRootCert(u, v.DATABASE_SSL_CA_FILE)!),
      poolMax: v.DATABASE_POOL_MAX,
      directUrl: withSslRootCert(v.DATABASE_DIRECT_URL, v.DATABASE_SSL_CA_FILE),
      sslCaFile: v.DATABASE_SSL_CA_FILE,
    },
    redis: {
      url: v.REDIS_URL,
      cacheUrl: v.REDIS_CACHE_URL ?? v.REDIS_URL,
      keyPrefix: v.REDIS_KEY_PREFIX,
      topology: redisTopology(v),
    },
    storage,
    encryption: { key: v.DOCAT_ENCRYPTION_KEY, previousKeys: v.DOCAT_ENCRYPTION_KEYS_PREVIOUS },
    limits: {
      maxUploadBytes: v.MAX_UPLOAD_BYTES,
      maxPages: v.MAX_PAGES,
      chunkPages: v.CHUNK_PAGES,
      userMaxChunksInFlight: v.USER_MAX_CHUNKS_IN_FLIGHT,
      pageFailureShare: v.PAGE_FAILURE_SHARE,
    },
    workers: {
      concurrency: v.DOCAT_WORKER_CONCURRENCY,
      lockMs: v.DOCAT_WORKER_LOCK_MS,
      chunkLeaseMs: v.DOCAT_CHUNK_LEASE_MS,
      reconcileIntervalMs: v.DOCAT_RECONCILE_INTERVAL_MS,
      dispatchReservedSlots: v.DOCAT_DISPATCH_RESERVED_SLOTS,
    },
    accounts: {
      accessTtlSeconds: v.JWT_ACCESS_TTL_SECONDS,
      refreshTtlSeconds: v.JWT_REFRESH_TTL_SECONDS,
      registration: v.REGISTRATION,
      adminEmail: v.DOCAT_ADMIN_EMAIL,
      adminPassword: v.DOCAT_ADMIN_PASSWORD,
      signingKeyRotationMs: v.JWT_SIGNING_KEY_ROTATION,
      publicUrl: v.DOCAT_PUBLIC_URL.replace(/\/+$/, ''),
      passwordResetTtlMs: v.PASSWORD_RESET_TTL,
      emailVerificationTtlMs: v.EMAIL_VERIFICATION_TTL,
      mail: { smtpUrl: v.MAIL_SMTP_URL, from: v.MAIL_FROM },
    },
    credits: {
      enabled: v.CREDITS_ENABLED,
      unlimited: v.CREDITS_UNLIMITED ?? v.DOCAT_MODE === 'standalone',
      requireVerifiedEmail: v.CREDITS_REQUIRE_VERIFIED_EMAIL,
      plans: { free: v.CREDITS_PLAN_FREE, plus: v.CREDITS_PLAN_PLUS, pro: v.CREDITS_PLAN_PRO },
      period: v.CREDITS_PERIOD,
      rates: {
        textPage: v.CREDITS_PER_TEXT_PAGE,
        ocrPage: v.CREDITS_PER_OCR_PAGE,
        translationPer1000Characters: v.CREDITS_PER_1000_CHARACTERS,
      },
      reserveCharactersPerPage: v.CREDITS_RESERVE_CHARACTERS_PER_PAGE,
      reservationTtlMs: v.CREDITS_RESERVATION_TTL,
    },
    rateLimits: {
      pdfUpload: v.RATE_LIMIT_PDF_UPLOAD,
      apiGeneral: v.RATE_LIMIT_API_GENERAL,
      authLogin: v.RATE_LIMIT_AUTH_LOGIN,
      passwordReset: v.RATE_LIMIT_PASSWORD_RESET,
      byPlan: v.RATE_LIMIT_PLANS,
      loginLockout: v.LOGIN_LOCKOUT,
    },
    retention: {
      uploads: v.RETENTION_UPLOADS,
      results: v.RETENTION_RESULTS,
      jobs: v.RETENTION_JOBS,
      accounts: v.RETENTION_ACCOUNTS,
      resultCacheTtl: v.RESULT_CACHE_TTL,
      sweepInterval: v.RETENTION_SWEEP_INTERVAL,
      sweepBatch: v.RETENTION_SWEEP_BATCH,
    },
    translation: {
      engines: v.TRANSLATION_ENGINES,
      defaultEngine: v.DEFAULT_ENGINE,
      timeouts: {
        connectMs: v.ENGINE_CONNECT_TIMEOUT,
        responseMs: v.ENGINE_RESPONSE_TIMEOUT,
        perThousandCharsMs: v.ENGINE_RESPONSE_TIME_PER_1000_CHARS,
        deadlineMs: v.ENGINE_DEADLINE,
      },
      openai: {
        apiKey: v.OPENAI_API_KEY,
        baseUrl: v.OPENAI_BASE_URL,
        model: v.OPENAI_MODEL,
        languages: v.OPENAI_LANGUAGES,
      },
      openrouter: {
        apiKey: v.OPENROUTER_API_KEY,
        baseUrl: v.OPENROUTER_BASE_URL,
        model: v.OPENROUTER_MODEL,
        languages: v.OPENROUTER_LANGUAGES,
      },
      gemini: {
        apiKey: v.GEMINI_API_KEY,
        baseUrl: v.GEMINI_BASE_URL,
        model: v.GEMINI_MODEL,
        languages: v.GEMINI_LANGUAGES,
      },
      anthropic: {
        apiKey: v.ANTHROPIC_API_KEY,
        baseUrl: v.ANTHROPIC_BASE_URL,
        model: v.ANTHROPIC_MODEL,
        languages: v.ANTHROPIC_LANGUAGES,
      },
      deepl: { authKey: v.DEEPL_AUTH_KEY, serverUrl: v.DEEPL_SERVER_URL },
      google: {
        apiKey: v.GOOGLE_API_KEY,
        projectId: v.GOOGLE_PROJECT_ID,
        baseUrl: v.GOOGLE_TRANSLATE_URL,
      },
      libretranslate: { url: v.LIBRETRANSLATE_URL, apiKey: v.LIBRETRANSLATE_API_KEY },
    },
    webhooks: {
      allowedHosts: v.WEBHOOK_ALLOWED_HOSTS,
      maxEndpoints: v.WEBHOOK_MAX_ENDPOINTS,
      rateLimit: v.WEBHOOK_RATE_LIMIT,
      retryBudget: v.WEBHOOK_RETRY_BUDGET,
    },
    pdf: {
      respectPermissions: v.RESPECT_PDF_PERMISSIONS,
      tessdataPrefix: v.TESSDATA_PREFIX,
      ocrEngine: v.OCR_ENGINE,
      ocrNice: v.OCR_NICE,
      keepActiveContent: v.PDF_KEEP_ACTIVE_CONTENT,
    },
    telemetry: { otlpEndpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT },
  };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Reads and validates the environment once. Throws a ConfigError listing every bad or
 * missing variable; the result is deeply frozen so no code can change it afterwards.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { cwd?: string } = {},
): DocatConfig {
  const issues: ConfigIssue[] = [];
  const values = parseVariables(env, issues);
  crossCheck(values, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return deepFreeze(build(values, options.cwd ?? process.cwd(), env));
}
