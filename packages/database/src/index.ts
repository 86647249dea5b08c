export * from './data-source.js';
export * from './connection-url.js';
export * from './rows.js';
export * from './migrator.js';
export {
  MIGRATIONS,
  SERVICE_SCHEMAS,
  type MigrationRegistry,
  type ServiceSchema,
} from './migrations/registry.js';
export {
  EmbeddedDatabase,
  EMBEDDED_PG_MAJOR,
  DataDirInUseError,
  type EmbeddedDatabaseOptions,
} from './embedded-database.js';
export {
  acquireDataFolderLock,
  DataFolderLockedError,
  LOCK_FILE,
  type DataFolderLock,
} from './data-folder.lock.js';
export { embeddedDatabaseDir, EMBEDDED_DATABASE_NAME } from './data-folder.layout.js';
