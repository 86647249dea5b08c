import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { decryptSecret, encryptSecret, type Keyring } from '@docat/config';
import { jwksSchema, type Jwks } from '@docat/contracts';
import {
  AUTH_KEYRING,
  AUTH_SETTINGS,
  SIGNING_KEY_TIMING,
  type AuthSettings,
} from '../auth.tokens.js';
import { AuthEventsPublisher } from '../events/auth-events.publisher.js';
import {
  exportPrivateKey,
  generateSigningKey,
  importSigningKey,
  type SigningKey,
} from './signing-key.js';
import { SigningKeysRepository, type StoredSigningKey } from './signing-keys.repository.js';

function secretContext(kid: string): string {
  return `auth.signing_keys:${kid}`;
}

/** How often each replica checks whether a key is due and reloads what others rotated. */
const MAINTENANCE_INTERVAL_MS = 60_000;
/** Slack for clocks and in-flight requests before a key whose tokens expired leaves the JWKS. */
const RETIRE_MARGIN_MS = 60_000;

export interface SigningKeyTiming {
  /**
   * A new key is published in the JWKS this long before it signs, so every gateway has
   * it (by the rotation broadcast, or its next refetch) before the first token arrives.
   */
  publishLeadMs: number;
}

export const DEFAULT_SIGNING_KEY_TIMING: SigningKeyTiming = { publishLeadMs: 60_000 };

interface LoadedKey {
  key: SigningKey;
  createdAt: number;
}

/**
 * The Ed25519 keys that sign access tokens, stored encrypted with DOCAT_ENCRYPTION_KEY
 * so tokens survive restarts and every replica signs with the same key. Keys rotate
 * every JWT_SIGNING_KEY_ROTATION: the next key is published first and signs after
 * `publishLeadMs`; a key no longer signing stays in the JWKS until every token it signed
 * has expired (access-token lifetime plus a margin), then it is retired.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SigningKeys');
  /** Newest first. */
  private keys: LoadedKey[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: SigningKeysRepository,
    private readonly events: AuthEventsPublisher,
    @Inject(AUTH_KEYRING) private readonly keyring: Keyring,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
    @Inject(SIGNING_KEY_TIMING) private readonly timing: SigningKeyTiming,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.load();
    await this.maintain();
    this.timer = setInterval(() => {
      this.maintain().catch((err: unknown) =>
        this.logger.error(
          `signing key maintenance failed: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }, MAINTENANCE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async load(): Promise<void> {
    let stored = await this.repository.active();
    if (stored.length === 0) {
      stored = await this.repository.withLock(async (tx) => {
        const existing = await this.repository.active(tx);
        if (existing.length > 0) return existing;
        const key = await this.insertNew(tx);
        this.logger.log(`generated signing key ${key.kid}`);
        return this.repository.active(tx);
      });
    }
    this.keys = await Promise.all(
      stored.map(async (row) => ({
        key: await this.decrypt(row),
        createdAt: row.createdAt.getTime(),
      })),
    );
  }

  /** Rotates when the signing key is older than the rotation interval, retires expired keys, reloads. */
  async maintain(now: number = Date.now()): Promise<void> {
    const newest = this.keys[0];
    if (newest && now - newest.createdAt >= this.settings.signingKeyRotationMs)
      await this.rotate(now);
    await this.retireExpired(now);
    await this.load();
  }

  /**
   * Publishes a new key (it signs after the publish lead). Under the advisory lock and
   * re-checked inside it, so replicas rotating together add one key, not several.
   */
  async rotate(now: number = Date.now(), force = false): Promise<string | null> {
    const kid = await this.repository.withLock(async (tx) => {
      const current = await this.repository.active(tx);
      const newest = current[0];
      if (!force && newest && now - newest.createdAt.getTime() < this.settings.signingKeyRotationMs)
        return null;
      return (await this.insertNew(tx)).kid;
    });
    if (kid) {
      this.logger.log(`rotated: new signing key ${kid}`);
      await this.load();
      await this.events.signingKeyRotated(kid);
    }
    return kid;
  }

  /** Keys that stopped signing longer ago than a token lives leave the JWKS. */
  async retireExpired(now: number = Date.now()): Promise<string[]> {
    const tokenLifeMs = this.settings.accessTtlSeconds * 1000 + RETIRE_MARGIN_MS;
    const retired = await this.repository.withLock(async (tx) => {
      const keys = await this.repository.active(tx);
      const due: string[] = [];
      // keys[i] stopped signing when keys[i - 1] started (its creation plus the publish lead).
      for (let i = 1; i < keys.length; i++) {
        const stoppedSigning = keys[i - 1]!.createdAt.getTime() + this.timing.publishLeadMs;
        if (now - stoppedSigning > tokenLifeMs) due.push(keys[i]!.kid);
      }
      await this.repository.retire(tx, due);
      return due;
    });
    if (retired.length > 0) {
      this.logger.log(`retired signing key(s) ${retired.join(', ')}`);
      await this.load();
    }
    return retired;
  }

  /** The key that signs new tokens: the newest one published at least `publishLeadMs` ago (or the oldest, if none is). */
  current(now: number = Date.now()): SigningKey {
    const ready =
      this.keys.find((k) => now - k.createdAt >= this.timing.publishLeadMs) ?? this.keys.at(-1);
    if (!ready) throw new Error('signing keys are not loaded');
    return ready.key;
  }

  jwks(): Jwks {
    return jwksSchema.parse({ keys: this.keys.map((k) => k.key.publicJwk) });
  }

  private async insertNew(
    tx: Parameters<Parameters<SigningKeysRepository['withLock']>[0]>[0],
  ): Promise<SigningKey> {
    const key = await generateSigningKey();
    const privateKeySecret = encryptSecret(
      this.keyring,
      exportPrivateKey(key),
      secretContext(key.kid),
    );
    await this.repository.insert(tx, { kid: key.kid, privateKeySecret, publicJwk: key.publicJwk });
    return key;
  }

  private async decrypt(row: StoredSigningKey): Promise<SigningKey> {
    const pem = decryptSecret(this.keyring, row.privateKeySecret, secretContext(row.kid));
    const key = await importSigningKey(pem);
    if (key.kid !== row.kid) throw new Error(`signing key ${row.kid} does not match its stored id`);
    return key;
  }
}
