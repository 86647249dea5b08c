// The lock lives in @docat/database so that the CLI's backup and restore honour it too.
export {
  acquireDataFolderLock,
  DataFolderLockedError,
  LOCK_FILE,
  type DataFolderLock,
} from '@docat/database';
