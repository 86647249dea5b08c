import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { DocatError } from '@docat/contracts';
import { LocalFirstRateLimiter, RATE_LIMITER, type RateLimiterPort } from '@docat/service-kit';
import { RATE_LIMIT_METADATA, type RateLimitPolicyName } from './rate-limit.decorator.js';
import {
  accountKey,
  emailOf,
  limitFor,
  rateLimitHeaders,
  type CountedLimit,
  type RateLimitSettings,
} from './rate-limit.policies.js';

export const RATE_LIMIT_SETTINGS = Symbol('RATE_LIMIT_SETTINGS');

/** Policies that guard credentials: without a working limiter they refuse rather than let guesses through. */
const FAIL_CLOSED: ReadonlySet<RateLimitPolicyName> = new Set(['auth_login', 'password_reset']);

const WARN_EVERY_MS = 60_000;

/**
 * Policies that count only what they admit: an upload refused (not a PDF, too large,
 * invalid options) or only estimated (a dry run) gives its slot back, so it uses up the
 * general limit but not the upload quota. The slot is reserved before the handler runs,
 * so concurrent uploads cannot overshoot the limit, and released when the answer is not
 * `202 Accepted`.
 */
const COUNT_ACCEPTED_ONLY: ReadonlySet<RateLimitPolicyName> = new Set(['pdf_upload']);

/** What `RateLimits.admit` decided for a request it let through. */
export interface Admission {
  /** Slots of COUNT_ACCEPTED_ONLY policies held for this request: given back unless it answers 202. */
  reserved: string[];
  /** The login-failure counter of a login request. */
  lockKey?: string;
}

/**
 * Counts a request against its rate limits and the login lockout, sets the RateLimit
 * headers, and refuses it (RATE_LIMITED, ACCOUNT_LOCKED) when a limit is reached. Counts
 * live in the runtime's limiter: Redis shared by every gateway replica in cluster mode,
 * memory in standalone mode. Used by `RateLimitInterceptor` for the Nest routes and
 * directly by the status poll's route.
 */
@Injectable()
export class RateLimits implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private lastWarnAt = 0;
  /**
   * `api_general` is counted in memory and added to the shared window every 250 ms, and
   * exactly in the last tenth of the limit (see `LocalFirstRateLimiter`): a request far
   * from its limit waits for no round trip to Redis. The other policies are exact.
   */
  private readonly general: LocalFirstRateLimiter;

  constructor(
    @Inject(RATE_LIMITER) readonly limiter: RateLimiterPort,
    @Inject(RATE_LIMIT_SETTINGS) readonly settings: RateLimitSettings,
  ) {
    this.general = new LocalFirstRateLimiter(limiter);
  }

  async onModuleDestroy(): Promise<void> {
    await this.general.close();
  }

  /** The policies of a route: the named ones plus `api_general` on every `/v1` route. */
  policiesOf(
    request: FastifyRequest,
    named: readonly RateLimitPolicyName[] = [],
  ): Set<RateLimitPolicyName> {
    const policies = new Set(named);
    if ((request.routeOptions.url ?? '').startsWith('/v1/')) policies.add('api_general');
    return policies;
  }

  /** Null when the request is let through without counting (no policy, or the limiter failed for a fail-open policy). */
  async admit(
    request: FastifyRequest,
    reply: FastifyReply,
    policies: ReadonlySet<RateLimitPolicyName>,
  ): Promise<Admission | null> {
    if (policies.size === 0) return null;
    const user = request.user as { id: string; plan?: unknown } | undefined;
    const plan = typeof user?.plan === 'string' ? user.plan : undefined;
    const principal = user ? `u:${user.id}` : `ip:${request.ip}`;
    const email = emailOf(request.body);
    const account = email === undefined ? undefined : `acct:${accountKey(email)}`;

    const counts: { policy: RateLimitPolicyName; key: string }[] = [];
    for (const policy of policies) {
      if (policy === 'auth_login' || policy === 'password_reset') {
        counts.push({ policy, key: `ip:${request.ip}` });
        if (account) counts.push({ policy, key: account });
      } else {
        counts.push({ policy, key: principal });
      }
    }
    const lockKey = policies.has('auth_login') && account ? `login_failures:${account}` : undefined;
    const lockout = this.settings.loginLockout;

    let counted: CountedLimit[];
    try {
      if (lockKey) {
        const failures = await this.limiter.count(lockKey, lockout.windowMs);
        if (failures.count >= lockout.limit) {
          const wait = Math.max(1, Math.ceil(failures.resetMs / 1000));
          void reply.header('retry-after', String(wait));
          throw new DocatError(
            'ACCOUNT_LOCKED',
            `${failures.count} failed logins: try again in ${wait} s`,
          );
        }
      }
      counted =
        counts.length === 1
          ? [await this.hit(counts[0]!.policy, counts[0]!.key, plan)]
          : await Promise.all(counts.map(({ policy, key }) => this.hit(policy, key, plan)));
    } catch (error) {
      if (error instanceof DocatError) throw error;
      if ([...policies].some((p) => FAIL_CLOSED.has(p))) {
        throw new DocatError('SERVICE_UNAVAILABLE', 'Rate limits cannot be checked right now', {
          cause: error,
        });
      }
      this.warn(error);
      return null;
    }

    void reply.headers(rateLimitHeaders(counted));
    const refused = counted.find((c) => !c.decision.allowed);
    if (refused) {
      const wait = Math.max(1, Math.ceil(refused.decision.retryAfterMs / 1000));
      throw new DocatError(
        'RATE_LIMITED',
        `The ${refused.policy} limit of ${refused.limit.limit} per ${Math.ceil(refused.limit.windowMs / 1000)} s is reached: retry in ${wait} s`,
      );
    }
    const reserved = counts
      .filter(({ policy }, i) => COUNT_ACCEPTED_ONLY.has(policy) && counted[i]!.decision.allowed)
      .map(({ policy, key }) => `${policy}:${key}`);
    return lockKey ? { reserved, lockKey } : { reserved };
  }

  /**
   * The `api_general` limit of an authenticated request when it is decided in memory
   * (see `LocalFirstRateLimiter.hitNow`): counts the hit, sets the RateLimit headers and
   * returns true. False when the decision needs the shared limiter: nothing was counted,
   * call `admit`. The status poll's route takes this path; the answer is the one `admit`
   * gives.
   */
  admitGeneralNow(request: FastifyRequest, reply: FastifyReply): boolean {
    const user = request.user as { id: string; plan?: unknown } | undefined;
    if (!user) return false;
    const plan = typeof user.plan === 'string' ? user.plan : undefined;
    const limit = limitFor(this.settings, 'api_general', plan);
    const decision = this.general.hitNow(`api_general:u:${user.id}`, limit.limit, limit.windowMs);
    if (!decision) return false;
    void reply.headers(rateLimitHeaders([{ policy: 'api_general', limit, decision }]));
    return true;
  }

  warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = now;
    this.logger.warn(
      `rate limits not applied: the limiter failed (${error instanceof Error ? error.message : String(error)})`,
    );
  }

  private async hit(
    policy: RateLimitPolicyName,
    key: string,
    plan: string | undefined,
  ): Promise<CountedLimit> {
    const limit = limitFor(this.settings, policy, plan);
    const limiter = policy === 'api_general' ? this.general : this.limiter;
    return {
      policy,
      limit,
      decision: await limiter.hit(`${policy}:${key}`, limit.limit, limit.windowMs),
    };
  }
}

/**
 * Applies the rate limits of each route and the login lockout. It is an interceptor,
 * not a guard, because it must run after authentication (limits count per user, and
 * plans change them) and must see how a login ended (failed logins lock the account).
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimits,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const policies = this.limits.policiesOf(
      request,
      this.reflector.getAllAndOverride<RateLimitPolicyName[] | undefined>(
        RATE_LIMIT_METADATA,
        targets,
      ) ?? [],
    );
    const admission = await this.limits.admit(request, reply, policies);
    if (!admission) return next.handle();
    const { reserved, lockKey } = admission;
    const limiter = this.limits.limiter;
    const lockout = this.limits.settings.loginLockout;
    const handled =
      reserved.length === 0
        ? next.handle()
        : this.releaseUnlessAccepted(next.handle(), reserved, reply);
    if (!lockKey) return handled;
    return handled.pipe(
      mergeMap((value) =>
        from(
          limiter.reset(lockKey).then(
            () => value,
            () => value,
          ),
        ),
      ),
      catchError((error: unknown) =>
        from(
          error instanceof DocatError && error.code === 'INVALID_CREDENTIALS'
            ? limiter
                .hit(lockKey, lockout.limit, lockout.windowMs)
                .catch((e: unknown) => this.limits.warn(e))
            : Promise.resolve(),
        ).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }

  private releaseUnlessAccepted(
    handled: Observable<unknown>,
    keys: string[],
    reply: FastifyReply,
  ): Observable<unknown> {
    const release = () =>
      Promise.all(keys.map((key) => this.limits.limiter.release(key))).catch((e: unknown) =>
        this.limits.warn(e),
      );
    return handled.pipe(
      mergeMap((value) =>
        reply.statusCode === 202 ? Promise.resolve(value) : release().then(() => value),
      ),
      catchError((error: unknown) => from(release()).pipe(mergeMap(() => throwError(() => error)))),
    );
  }
}
