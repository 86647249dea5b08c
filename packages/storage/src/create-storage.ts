import type { StorageConfig } from '@docat/config';
import { FsStorage } from './fs.storage.js';
import type { ObjectStorage } from './object-storage.js';
import { S3Storage } from './s3.storage.js';

/** Picks the adapter the configuration names; business code only sees the port. */
export function createStorage(config: { storage: StorageConfig }): ObjectStorage {
  const storage = config.storage;
  switch (storage.driver) {
    case 'fs':
      return new FsStorage(storage.root);
    case 's3':
      return new S3Storage(storage);
  }
}
