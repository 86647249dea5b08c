export { startStandalone, type StandaloneApp, type StandaloneOptions } from './standalone.app.js';
export {
  acquireDataFolderLock,
  DataFolderLockedError,
  LOCK_FILE,
  type DataFolderLock,
} from './data-folder.lock.js';
export { embeddedDatabaseDir, EMBEDDED_DATABASE_NAME } from './database-location.js';
