import { createHash } from 'node:crypto';
import type { DocatConfig, RateLimit } from '@docat/config';
import type { RateLimitDecision } from '@docat/service-kit';
import type { RateLimitPolicyName } from './rate-limit.decorator.js';

export type RateLimitSettings = Pick<
  DocatConfig['rateLimits'],
  'pdfUpload' | 'apiGeneral' | 'authLogin' | 'passwordReset' | 'byPlan' | 'loginLockout'
>;

/** The limit of a policy for a principal on `plan` (plans only change upload and general limits). */
export function limitFor(
  settings: RateLimitSettings,
  policy: RateLimitPolicyName,
  plan: string | undefined,
): RateLimit {
  const override =
    plan !== undefined && Object.hasOwn(settings.byPlan, plan) ? settings.byPlan[plan] : undefined;
  switch (policy) {
    case 'pdf_upload':
      return override?.pdf_upload ?? settings.pdfUpload;
    case 'api_general':
      return override?.api_general ?? settings.apiGeneral;
    case 'auth_login':
      return settings.authLogin;
    case 'password_reset':
      return settings.passwordReset;
  }
}

/** Emails become a short digest in keys: no personal data in Redis, bounded key length. */
export function accountKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22);
}

/** The email of a login or reset body, when it has one worth counting. */
export function emailOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const email = (body as { email?: unknown }).email;
  return typeof email === 'string' && email.length > 0 && email.length <= 320 ? email : undefined;
}

export interface CountedLimit {
  policy: RateLimitPolicyName;
  limit: RateLimit;
  decision: RateLimitDecision;
}

/**
 * The decision the response reports: a refused one (the longest wait when several
 * refuse), else the one closest to its limit.
 */
export function reportedLimit(counted: readonly CountedLimit[]): CountedLimit | undefined {
  const refused = counted.filter((c) => !c.decision.allowed);
  if (refused.length > 0)
    return refused.reduce((a, b) => (b.decision.retryAfterMs > a.decision.retryAfterMs ? b : a));
  return counted.reduce<CountedLimit | undefined>((a, b) => {
    if (!a) return b;
    const share = (c: CountedLimit) => c.decision.remaining / c.limit.limit;
    return share(b) < share(a) ? b : a;
  }, undefined);
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

/** `RateLimit-Policy` items by limit (the settings' objects live as long as the process) and policy. */
const policyItems = new WeakMap<RateLimit, Map<RateLimitPolicyName, string>>();

/** One item of `RateLimit-Policy`, `<count>;w=<seconds>;comment="<policy>"`, made once per limit. */
function policyItem(c: CountedLimit): string {
  let items = policyItems.get(c.limit);
  if (items === undefined) {
    items = new Map();
    policyItems.set(c.limit, items);
  }
  let item = items.get(c.policy);
  if (item === undefined) {
    item = `${c.limit.limit};w=${seconds(c.limit.windowMs)};comment="${c.policy}"`;
    items.set(c.policy, item);
  }
  return item;
}

/**
 * IETF draft "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-07):
 * `RateLimit-Limit`, `-Remaining`, `-Reset` (seconds until a slot frees) for the reported
 * limit, `RateLimit-Policy` listing every limit of the route (`<count>;w=<seconds>`), and
 * `Retry-After` on a refusal.
 */
export function rateLimitHeaders(counted: readonly CountedLimit[]): Record<string, string> {
  const reported = reportedLimit(counted);
  if (!reported) return {};
  const { decision, limit } = reported;
  const headers: Record<string, string> = {
    'ratelimit-limit': String(limit.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(seconds(decision.allowed ? decision.resetMs : decision.retryAfterMs)),
    'ratelimit-policy':
      counted.length === 1
        ? policyItem(reported)
        : [reported, ...counted.filter((c) => c !== reported)]
            .map(policyItem)
            .filter((v, i, all) => all.indexOf(v) === i)
            .join(', '),
  };
  if (!decision.allowed)
    headers['retry-after'] = String(Math.max(1, seconds(decision.retryAfterMs)));
  return headers;
}
