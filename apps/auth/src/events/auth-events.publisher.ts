import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENTS } from '@docat/contracts';
import { BUS, type BusClient } from '@docat/service-kit';

/**
 * Broadcasts that every gateway replica hears: a revoked API key, a disabled account, a
 * new signing key. A lost broadcast is tolerated by design (gateways cache keys for at
 * most five seconds and access tokens expire), so a failure is logged, not thrown
 * after the change was committed.
 */
@Injectable()
export class AuthEventsPublisher {
  private readonly logger = new Logger('AuthEvents');

  constructor(@Inject(BUS) private readonly bus: BusClient) {}

  apiKeyRevoked(keyId: string, userId: string): Promise<void> {
    return this.emit(EVENTS.API_KEY_REVOKED, { keyId, userId });
  }

  userDisabled(userId: string, at: Date): Promise<void> {
    return this.emit(EVENTS.USER_DISABLED, { userId, at: Math.floor(at.getTime() / 1000) });
  }

  userTokensRevoked(userId: string, at: Date): Promise<void> {
    return this.emit(EVENTS.USER_TOKENS_REVOKED, { userId, at: Math.floor(at.getTime() / 1000) });
  }

  sessionRevoked(sessionId: string, at: Date = new Date()): Promise<void> {
    return this.emit(EVENTS.SESSION_REVOKED, { sessionId, at: Math.floor(at.getTime() / 1000) });
  }

  signingKeyRotated(kid: string): Promise<void> {
    return this.emit(EVENTS.SIGNING_KEY_ROTATED, { kid });
  }

  private async emit(event: string, data: unknown): Promise<void> {
    await this.bus.emit(event, data).catch((err: unknown) => {
      this.logger.warn(
        `broadcast ${event} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
  }
}
