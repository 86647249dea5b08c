import { Injectable } from '@nestjs/common';
import {
  DocatError,
  uuidv7,
  type ApiKeyPrincipal,
  type ApiKeyView,
  type CreatedApiKey,
} from '@docat/contracts';
import { AuthEventsPublisher } from '../events/auth-events.publisher.js';
import { UsersRepository } from '../users/users.repository.js';
import { hashApiKey, newApiKey } from './api-key.js';
import { ApiKeysRepository, toApiKeyView } from './api-keys.repository.js';

/** Live keys one account may hold; more is a sign of a leak in someone's automation. */
const MAX_KEYS_PER_USER = 100;

/**
 * API keys: created and shown once, listed by prefix, revoked with a broadcast so every
 * gateway forgets the key at once (their caches hold a verification for at most five
 * seconds anyway).
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly users: UsersRepository,
    private readonly events: AuthEventsPublisher,
  ) {}

  async create(userId: string, name: string, expiresInDays?: number): Promise<CreatedApiKey> {
    const user = await this.users.findById(userId);
    if (!user) throw new DocatError('NOT_FOUND');
    if (user.disabledAt) throw new DocatError('ACCOUNT_DISABLED');
    if ((await this.keys.countActive(userId)) >= MAX_KEYS_PER_USER) {
      throw new DocatError(
        'VALIDATION_FAILED',
        `An account may hold at most ${MAX_KEYS_PER_USER} API keys; revoke unused ones first`,
      );
    }
    const { key, prefix, hash } = newApiKey();
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const record = await this.keys.insert({
      id: uuidv7(),
      userId,
      name,
      prefix,
      keyHash: hash,
      expiresAt,
    });
    return { ...toApiKeyView(record), key };
  }

  async list(userId: string): Promise<{ items: ApiKeyView[] }> {
    return { items: (await this.keys.listOf(userId)).map(toApiKeyView) };
  }

  async revoke(userId: string, keyId: string): Promise<{ ok: true }> {
    if (!(await this.keys.revoke(userId, keyId))) throw new DocatError('NOT_FOUND');
    await this.events.apiKeyRevoked(keyId, userId);
    return { ok: true };
  }

  /** The principal behind a key, for gateways. Every failure is the same TOKEN_INVALID, so keys cannot be probed. */
  async verify(key: string): Promise<ApiKeyPrincipal> {
    const hash = hashApiKey(key);
    const record = hash ? await this.keys.findByHash(hash) : null;
    if (
      !record ||
      record.revokedAt ||
      (record.expiresAt && record.expiresAt.getTime() <= Date.now())
    ) {
      throw new DocatError('TOKEN_INVALID', 'The API key is unknown, revoked or expired');
    }
    const user = await this.users.findById(record.userId);
    if (!user) throw new DocatError('TOKEN_INVALID', 'The API key is unknown, revoked or expired');
    if (user.disabledAt) throw new DocatError('ACCOUNT_DISABLED');
    await this.keys.touch(record.id);
    return {
      userId: user.id,
      role: user.role,
      plan: user.plan,
      emailVerified: user.emailVerifiedAt !== null,
      keyId: record.id,
    };
  }
}
