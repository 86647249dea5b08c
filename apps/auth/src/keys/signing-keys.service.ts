import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { decryptSecret, encryptSecret, type Keyring } from '@docat/config';
import { jwksSchema, type Jwks } from '@docat/contracts';
import { AUTH_KEYRING } from '../auth.tokens.js';
import { exportPrivateKey, generateSigningKey, importSigningKey, type SigningKey } from './signing-key.js';
import { SigningKeysRepository, type StoredSigningKey } from './signing-keys.repository.js';

function secretContext(kid: string): string {
  return `auth.signing_keys:${kid}`;
}

/**
 * The Ed25519 keys that sign access tokens. The first boot generates one and stores it
 * encrypted with DOCAT_ENCRYPTION_KEY, so tokens survive restarts and every replica
 * signs with the same key. The JWKS lists every active key, so tokens signed before a
 * rotation keep verifying until they expire.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger('SigningKeys');
  private keys: SigningKey[] = [];

  constructor(
    private readonly repository: SigningKeysRepository,
    @Inject(AUTH_KEYRING) private readonly keyring: Keyring,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.load();
  }

  async load(): Promise<void> {
    let stored = await this.repository.active();
    if (stored.length === 0) {
      stored = await this.repository.withLock(async (tx) => {
        const existing = await this.repository.active(tx);
        if (existing.length > 0) return existing;
        const key = await generateSigningKey();
        const privateKeySecret = encryptSecret(this.keyring, exportPrivateKey(key), secretContext(key.kid));
        await this.repository.insert(tx, { kid: key.kid, privateKeySecret, publicJwk: key.publicJwk });
        this.logger.log(`generated signing key ${key.kid}`);
        return this.repository.active(tx);
      });
    }
    this.keys = await Promise.all(stored.map((row) => this.decrypt(row)));
  }

  /** The key that signs new tokens. */
  current(): SigningKey {
    const key = this.keys[0];
    if (!key) throw new Error('signing keys are not loaded');
    return key;
  }

  jwks(): Jwks {
    return jwksSchema.parse({ keys: this.keys.map((key) => key.publicJwk) });
  }

  private async decrypt(row: StoredSigningKey): Promise<SigningKey> {
    const pem = decryptSecret(this.keyring, row.privateKeySecret, secretContext(row.kid));
    const key = await importSigningKey(pem);
    if (key.kid !== row.kid) throw new Error(`signing key ${row.kid} does not match its stored id`);
    return key;
  }
}
