import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, loadConfig, type DocatConfig } from '@docat/config';
import { SERVICES } from '@docat/contracts';
import { bootstrapService, createClusterRuntime, type RunningService } from '@docat/service-kit';
import { createStorage } from '@docat/storage';
import { freshDatabase, freshRedisPrefix } from '@docat/testing';
import {
  NOTIFICATION_CLAIMS,
  NotificationModule,
  type NotificationModuleOptions,
} from '../notification.module.js';

export interface NotificationStack {
  config: DocatConfig;
  databaseUrl: string;
  /** The running service; `restart()` replaces it on the same Redis prefix and database. */
  service: RunningService;
  restart(): Promise<RunningService>;
  stop(): Promise<void>;
}

/**
 * The notification service alone, in cluster mode, on a fresh Redis prefix and a fresh
 * PostgreSQL database, for tests: events and RPCs reach it over the real transport.
 */
export async function startNotificationStack(
  env: Record<string, string>,
  options: NotificationModuleOptions = {},
): Promise<NotificationStack> {
  const redis = freshRedisPrefix();
  const db = await freshDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'docat-notification-'));
  const config = loadConfig({
    DOCAT_MODE: 'cluster',
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: redis.prefix.replace(/:$/, ''),
    DOCAT_ENCRYPTION_KEY: generateKey(),
    DOCAT_DATA_DIR: dir,
    STORAGE_DRIVER: 'fs',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const boot = () =>
    bootstrapService({
      service: SERVICES.NOTIFICATION,
      module: NotificationModule.register(options),
      runtime: () =>
        createClusterRuntime(config, {
          storage: createStorage(config),
          migrate: true,
          claimIdleMs: 1_000,
        }),
      claims: NOTIFICATION_CLAIMS,
      managementPort: null,
      exitOnShutdown: false,
      // A delivery still in flight at a stop is handed back quickly rather than awaited.
      shutdownGraceMs: 300,
    });
  let service: RunningService | undefined;
  const cleanup = async () => {
    await service?.shutdown('stack stop').catch(() => undefined);
    await redis.cleanup().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    service = await boot();
  } catch (err) {
    await cleanup();
    throw err;
  }
  const stack: NotificationStack = {
    config,
    databaseUrl: db.url,
    service,
    restart: async () => {
      await service?.shutdown('restart');
      service = await boot();
      stack.service = service;
      return service;
    },
    stop: cleanup,
  };
  return stack;
}
