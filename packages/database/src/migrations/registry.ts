import type { MigrationClass } from '../data-source.js';
import { authMigrations } from './auth/index.js';
import { ingestionMigrations } from './ingestion/index.js';
import { translationMigrations } from './translation/index.js';
import { notificationMigrations } from './notification/index.js';

/** One schema per owning service; no service reads or writes another's. */
export const SERVICE_SCHEMAS = ['auth', 'ingestion', 'translation', 'notification'] as const;
export type ServiceSchema = (typeof SERVICE_SCHEMAS)[number];

export type MigrationRegistry = Readonly<Record<string, readonly MigrationClass[]>>;

/** Every committed migration, by schema. Migrations use nothing newer than PostgreSQL 15. */
export const MIGRATIONS: Readonly<Record<ServiceSchema, readonly MigrationClass[]>> = {
  auth: authMigrations,
  ingestion: ingestionMigrations,
  translation: translationMigrations,
  notification: notificationMigrations,
};
