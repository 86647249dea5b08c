import { resolveEncryptionKey, type DocatConfig, type Keyring } from '@docat/config';

/**
 * The process's keyring for secrets at rest and in flight (PDF passwords, signing keys,
 * webhook secrets), built on first use and shared by every module of the process: one
 * owner, so a standalone process reads or generates its key file once.
 */
export class KeyringSource {
  private built: Promise<Keyring> | undefined;

  constructor(
    private readonly config: Pick<DocatConfig, 'mode' | 'dataDir'> & {
      encryption?: DocatConfig['encryption'];
    },
  ) {}

  get(): Promise<Keyring> {
    if (!this.built) {
      const building = resolveEncryptionKey({
        ...this.config,
        encryption: this.config.encryption ?? { previousKeys: [] },
      });
      this.built = building;
      // A failure (an unreadable key file) is not cached: the next use tries again.
      building.catch(() => {
        if (this.built === building) this.built = undefined;
      });
    }
    return this.built;
  }
}
