export { startStandalone, type StandaloneApp, type StandaloneOptions } from './standalone.app.js';
export { acquireDataFolderLock, DataFolderLockedError, LOCK_FILE, type DataFolderLock } from './data-folder.lock.js';
export { EmbeddedDatabase, EMBEDDED_PG_MAJOR, type EmbeddedDatabaseOptions } from './embedded-database.js';
