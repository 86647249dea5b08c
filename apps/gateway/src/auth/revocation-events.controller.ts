import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  apiKeyRevokedEventSchema,
  EVENTS,
  jobSnapshotChangedSchema,
  sessionRevokedEventSchema,
  signingKeyRotatedEventSchema,
  userTokensRevokedEventSchema,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { ApiKeyVerifier } from './api-key.verifier.js';
import { JwksCache } from './jwks.cache.js';
import { TokenDenyList } from './token-deny-list.js';
import { JobEventStreams } from '../events/job-event-streams.service.js';
import { JobStatusCache } from '../jobs/job-status.cache.js';

/**
 * The broadcast events every gateway replica hears, so a revocation takes effect everywhere
 * at once and a job's kept status is dropped everywhere when it changes.
 */
export const GATEWAY_EVENTS = [
  EVENTS.API_KEY_REVOKED,
  EVENTS.USER_DISABLED,
  EVENTS.USER_TOKENS_REVOKED,
  EVENTS.SESSION_REVOKED,
  EVENTS.SIGNING_KEY_ROTATED,
  EVENTS.JOB_SNAPSHOT_CHANGED,
] as const;

@Controller()
export class RevocationEventsController {
  private readonly logger = new Logger('Revocations');

  constructor(
    private readonly apiKeys: ApiKeyVerifier,
    private readonly denyList: TokenDenyList,
    private readonly jwks: JwksCache,
    private readonly streams: JobEventStreams,
    private readonly statuses: JobStatusCache,
  ) {}

  /** Not a revocation, but heard the same way by every replica: a job's kept status is dropped. */
  @EventPattern(EVENTS.JOB_SNAPSHOT_CHANGED)
  jobSnapshotChanged(@Payload() data: unknown): void {
    this.statuses.invalidate(parseOrThrow(jobSnapshotChangedSchema, data).jobId);
  }

  @EventPattern(EVENTS.API_KEY_REVOKED)
  apiKeyRevoked(@Payload() data: unknown): void {
    const { keyId } = parseOrThrow(apiKeyRevokedEventSchema, data);
    this.apiKeys.dropKey(keyId);
    this.streams.apiKeyRevoked(keyId);
  }

  @EventPattern(EVENTS.USER_DISABLED)
  userDisabled(@Payload() data: unknown): void {
    const { userId, at } = parseOrThrow(userTokensRevokedEventSchema, data);
    this.apiKeys.dropUser(userId);
    this.denyList.deny(userId, at);
    this.streams.userRevoked(userId, at, true);
  }

  @EventPattern(EVENTS.USER_TOKENS_REVOKED)
  userTokensRevoked(@Payload() data: unknown): void {
    const { userId, at } = parseOrThrow(userTokensRevokedEventSchema, data);
    this.denyList.deny(userId, at);
    this.streams.userRevoked(userId, at, false);
  }

  @EventPattern(EVENTS.SESSION_REVOKED)
  sessionRevoked(@Payload() data: unknown): void {
    const { sessionId, at } = parseOrThrow(sessionRevokedEventSchema, data);
    this.denyList.denySession(sessionId, at);
    this.streams.sessionRevoked(sessionId);
  }

  @EventPattern(EVENTS.SIGNING_KEY_ROTATED)
  async signingKeyRotated(@Payload() data: unknown): Promise<void> {
    parseOrThrow(signingKeyRotatedEventSchema, data);
    await this.jwks
      .refresh()
      .catch((err: unknown) =>
        this.logger.warn(
          `JWKS refresh after rotation failed: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
  }
}
