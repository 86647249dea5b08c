import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_PATTERNS, AuthModule, type AuthModuleOptions } from '@docat/auth';
import { ENGINES_PATTERNS, EnginesModule } from '@docat/engines';
import { generateKey, loadConfig, type DocatConfig } from '@docat/config';
import {
  bootstrapService,
  createClusterRuntime,
  type ObjectStorage,
  type RunningService,
} from '@docat/service-kit';
import { createStorage } from '@docat/storage';
import { freshDatabase, freshRedisPrefix, startS3Server } from '@docat/testing';
import { GatewayModule } from '../gateway.module.js';
import { gatewayHttpOptions } from '../gateway.http.js';
import { GATEWAY_EVENTS } from '../auth/revocation-events.controller.js';
import {
  INGESTION_STUB_PATTERNS,
  IngestionStubModule,
  type IngestionStubState,
} from './ingestion.stub.js';

export interface GatewayStack {
  baseUrl: string;
  config: DocatConfig;
  storage: ObjectStorage;
  ingestion: IngestionStubState;
  gateway: RunningService;
  auth: RunningService;
  stop(): Promise<void>;
}

/**
 * The gateway with the services it calls, for tests and the upload benchmark: real
 * auth on a fresh PostgreSQL database, the translation service's engines module (the
 * engine a new job uses; pseudo unless `env` configures one), the ingestion stub, the Redis Streams transport
 * under a fresh key prefix, and S3 storage on an s3rver child process. All three
 * services run in this process; `stop()` releases everything it created.
 */
export async function startGatewayStack(
  env: Record<string, string> = {},
  options: { auth?: AuthModuleOptions } = {},
): Promise<GatewayStack> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const redis = freshRedisPrefix();
    cleanups.push(() => redis.cleanup());
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const s3 = await startS3Server();
    cleanups.push(() => s3.stop());
    const dir = await mkdtemp(join(tmpdir(), 'docat-gateway-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));

    const config = loadConfig({
      DOCAT_MODE: 'cluster',
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix.replace(/:$/, ''),
      DOCAT_ENCRYPTION_KEY: generateKey(),
      DOCAT_DATA_DIR: dir,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      LOG_LEVEL: 'warn',
      // Tests sign in and upload far more often than a person would; a test of the limits sets its own.
      RATE_LIMIT_PDF_UPLOAD: '10000/hour',
      RATE_LIMIT_AUTH_LOGIN: '10000/minute',
      RATE_LIMIT_PASSWORD_RESET: '10000/hour',
      ...env,
    });
    const runtime = () =>
      createClusterRuntime(config, { storage: createStorage(config), migrate: true });
    const common = { managementPort: null, exitOnShutdown: false } as const;

    const auth = await bootstrapService({
      service: 'auth',
      module: AuthModule.register(options.auth),
      runtime,
      claims: { patterns: AUTH_PATTERNS },
      ...common,
    });
    cleanups.push(() => auth.shutdown('stack stop'));
    const engines = await bootstrapService({
      service: 'translation',
      module: EnginesModule,
      runtime,
      claims: { patterns: [...ENGINES_PATTERNS] },
      ...common,
    });
    cleanups.push(() => engines.shutdown('stack stop'));
    const ingestion: IngestionStubState = { jobs: new Map() };
    const stub = await bootstrapService({
      service: 'ingestion',
      module: IngestionStubModule.register(ingestion),
      runtime,
      claims: { patterns: INGESTION_STUB_PATTERNS },
      ...common,
    });
    cleanups.push(() => stub.shutdown('stack stop'));
    const gateway = await bootstrapService({
      service: 'gateway',
      module: GatewayModule.register(),
      runtime,
      http: { ...gatewayHttpOptions(config), port: 0, host: '127.0.0.1' },
      claims: { patterns: GATEWAY_EVENTS },
      ...common,
    });
    cleanups.push(() => gateway.shutdown('stack stop'));
    return {
      baseUrl: `http://127.0.0.1:${gateway.httpPort}`,
      config,
      storage: gateway.runtime.storage,
      ingestion,
      gateway,
      auth,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
