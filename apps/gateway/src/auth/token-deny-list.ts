/**
 * Users whose access tokens issued at or before a moment are refused (disabled
 * accounts, password resets, sign-out everywhere), and sessions whose access tokens are
 * all refused (one session signed out, refresh-token reuse). Fed by auth's broadcasts and, at
 * start, by `auth.denied-users`, so a replica started after a broadcast still knows.
 * An entry is needed only while tokens from before it can live, one access-token
 * lifetime, and is then dropped; the list stays as small as the recent revocations.
 */
export class TokenDenyList {
  private readonly cutoffs = new Map<string, number>();
  /** Revoked session id -> when (epoch seconds), kept for pruning only. */
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly accessTtlSeconds: number,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** Records that `userId`'s tokens issued at or before `atSeconds` are dead; keeps the later cut-off. */
  deny(userId: string, atSeconds: number): void {
    const known = this.cutoffs.get(userId);
    if (known === undefined || atSeconds > known) this.cutoffs.set(userId, atSeconds);
    this.prune();
  }

  /** Records that every token of the session is dead. */
  denySession(sessionId: string, atSeconds: number): void {
    this.sessions.set(sessionId, Math.max(atSeconds, this.sessions.get(sessionId) ?? 0));
    this.prune();
  }

  isDenied(userId: string, issuedAtSeconds: number | undefined, sessionId?: string): boolean {
    if (sessionId !== undefined && this.sessions.has(sessionId)) return true;
    const cutoff = this.cutoffs.get(userId);
    if (cutoff === undefined) return false;
    // A token without `iat` cannot prove it is newer than the cut-off.
    return issuedAtSeconds === undefined || issuedAtSeconds <= cutoff;
  }

  get size(): number {
    return this.cutoffs.size + this.sessions.size;
  }

  private prune(): void {
    // Tokens live accessTtl; a minute more covers clock skew between auth and gateways.
    const horizon = this.nowSeconds() - this.accessTtlSeconds - 60;
    for (const [userId, cutoff] of this.cutoffs) if (cutoff < horizon) this.cutoffs.delete(userId);
    for (const [sessionId, at] of this.sessions) if (at < horizon) this.sessions.delete(sessionId);
  }
}
