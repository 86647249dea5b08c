import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  decryptSecret,
  encryptSecret,
  needsReencryption,
  reencrypt,
  type Keyring,
} from '@docat/config';
import { WebhooksRepository } from './webhooks.repository.js';
import { WEBHOOK_KEYRING } from './webhooks.settings.js';

/** The context an encrypted secret is bound to, so a blob cannot be moved to another row. */
export function secretContext(kind: 'endpoint' | 'signing', key: string): string {
  return kind === 'endpoint' ? `webhook:${key}` : `webhook-signing:${key}`;
}

/**
 * Webhook secrets: generated here, shown once, stored encrypted under
 * DOCAT_ENCRYPTION_KEY (they must be recoverable to sign every delivery). After a key
 * rotation (new key in DOCAT_ENCRYPTION_KEY, the old one in
 * DOCAT_ENCRYPTION_KEYS_PREVIOUS), the service re-encrypts every secret still under an
 * old key when it starts; once that has run, the old key can be dropped.
 */
@Injectable()
export class WebhookSecrets implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookSecrets');

  constructor(
    @Inject(WEBHOOK_KEYRING) private readonly keyring: Keyring,
    private readonly repository: WebhooksRepository,
  ) {}

  generate(): string {
    return `whsec_${randomBytes(32).toString('base64url')}`;
  }

  async encrypt(kind: 'endpoint' | 'signing', key: string, secret: string): Promise<string> {
    return encryptSecret(this.keyring, secret, secretContext(kind, key));
  }

  async decrypt(kind: 'endpoint' | 'signing', key: string, blob: string): Promise<string> {
    return decryptSecret(this.keyring, blob, secretContext(kind, key));
  }

  /** Re-encrypts every secret not under the current key; answers how many. */
  async reencryptAll(): Promise<number> {
    const keyring = this.keyring;
    let count = 0;
    for (const row of await this.repository.allSecrets()) {
      if (!needsReencryption(keyring, row.secret_enc)) continue;
      const fresh = reencrypt(keyring, row.secret_enc, secretContext(row.kind, row.key));
      await this.repository.replaceSecret(row.kind, row.key, row.secret_enc, fresh);
      count++;
    }
    return count;
  }

  async onApplicationBootstrap(): Promise<void> {
    const count = await this.reencryptAll();
    if (count > 0) this.logger.log(`re-encrypted ${count} webhook secret(s) under the current key`);
  }
}
