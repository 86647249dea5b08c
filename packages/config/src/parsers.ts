import { isIP } from 'node:net';
import { z } from 'zod';
import { truthOf } from './truth.js';

/**
 * Schemas that turn one raw environment string into a typed value. Each rejects with a
 * message that reads well after "VARIABLE: ".
 */

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  // A calendar-free year: retention periods are legal minimums, so round up to 365 days.
  y: 365 * 86_400_000,
} as const;

const DURATION = /^(\d+)\s*(ms|s|m|h|d|w|y)$/;

/** `24h`, `30d`, `2y`, `500ms` -> milliseconds. A bare number is rejected: its unit would be a guess. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const ms = amount * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

export const durationMs = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a positive duration like 90s, 15m, 24h, 30d or 2y, got "${text}"`,
    });
    return z.NEVER;
  }
  return ms;
});

export interface RateLimit {
  limit: number;
  windowMs: number;
}

const WINDOW_WORDS: Record<string, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** `10/hour`, `5/minute`, `100/15m` -> { limit, windowMs }. */
export function parseRateLimit(text: string): RateLimit | undefined {
  const match = /^(\d+)\s*\/\s*([a-z0-9]+)$/.exec(text.trim());
  if (!match) return undefined;
  const limit = Number(match[1]);
  const unit = match[2]!;
  const windowMs = WINDOW_WORDS[unit.replace(/s$/, '')] ?? parseDuration(unit);
  if (!Number.isSafeInteger(limit) || limit < 1 || windowMs === undefined) return undefined;
  return { limit, windowMs };
}

export const rateLimit = z.string().transform((text, ctx) => {
  const parsed = parseRateLimit(text);
  if (!parsed) {
    ctx.addIssue({
      code: 'custom',
      message: `expected <count>/<second|minute|hour|day|duration> like 10/hour or 100/15m, got "${text}"`,
    });
    return z.NEVER;
  }
  return parsed;
});

export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((text, ctx) => {
    const trimmed = text.trim().replace(/_/g, '');
    const value = /^-?\d+$/.test(trimmed) ? Number(trimmed) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an integer from ${min} to ${max}, got "${text}"`,
      });
      return z.NEVER;
    }
    return value;
  });
}

export const port = integer(1, 65_535);

export function fraction() {
  return z.string().transform((text, ctx) => {
    const value = /^\s*(0|1|0?\.\d+|1\.0*)\s*$/.test(text) ? Number(text) : NaN;
    if (!(value >= 0 && value <= 1)) {
      ctx.addIssue({ code: 'custom', message: `expected a number from 0 to 1, got "${text}"` });
      return z.NEVER;
    }
    return value;
  });
}

export const boolean = z.string().transform((text, ctx) => {
  const truth = truthOf(text);
  if (truth !== undefined) return truth;
  ctx.addIssue({ code: 'custom', message: `expected true or false, got "${text}"` });
  return z.NEVER;
});

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.string().transform((text, ctx) => {
    const trimmed = text.trim();
    if ((values as readonly string[]).includes(trimmed)) return trimmed as T[number];
    ctx.addIssue({
      code: 'custom',
      message: `expected one of ${values.join(', ')}, got "${text}"`,
    });
    return z.NEVER;
  });
}

/** Comma-separated list; blanks are dropped so `a,,b,` means [a, b]. */
export function list<T>(item: (entry: string) => T | undefined, what: string) {
  return z.string().transform((text, ctx) => {
    const out: T[] = [];
    for (const entry of text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const value = item(entry);
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not ${what}` });
        return z.NEVER;
      }
      out.push(value);
    }
    return out;
  });
}

function parsedUrl(text: string, protocols: readonly string[]): URL | undefined {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A URL whose scheme is one of `protocols`. The value is never echoed back, because
 * connection strings carry passwords.
 */
export function url(protocols: readonly string[]) {
  const expected = protocols.map((p) => `${p}//`).join(' or ');
  return z.string().transform((text, ctx) => {
    if (!parsedUrl(text.trim(), protocols)) {
      ctx.addIssue({ code: 'custom', message: `expected a ${expected} URL` });
      return z.NEVER;
    }
    return text.trim();
  });
}

export const HTTP = ['http:', 'https:'] as const;
export const POSTGRES = ['postgres:', 'postgresql:'] as const;
export const REDIS = ['redis:', 'rediss:'] as const;

export function urlList(protocols: readonly string[]) {
  return list(
    (entry) => (parsedUrl(entry, protocols) ? entry : undefined),
    `a ${protocols.join('/')} URL`,
  );
}

/** A browser origin: scheme, host and optional port, nothing else. */
export function toOrigin(entry: string): string | undefined {
  const url = parsedUrl(entry, HTTP);
  if (!url || url.origin !== entry.replace(/\/$/, '')) return undefined;
  return url.origin;
}

const HOSTNAME =
  /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function toHostname(entry: string): string | undefined {
  return HOSTNAME.test(entry) ? entry.toLowerCase() : undefined;
}

/** `host`, `*.suffix` or `[ipv6]`, each optionally with `:port`. */
export function toHostWithOptionalPort(entry: string): string | undefined {
  const bracketed = /^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(entry);
  if (bracketed) return entry.toLowerCase();
  const match = /^([^:]+)(:\d{1,5})?$/.exec(entry);
  return match && HOSTNAME.test(match[1]!) ? entry.toLowerCase() : undefined;
}

/** `host:port` (a hostname, IPv4 or `[ipv6]`) with the port required. */
export function toHostAndPort(entry: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d{1,5})$/i.exec(entry);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  const host = match[1]!;
  return host.startsWith('[') || HOSTNAME.test(host) ? entry.toLowerCase() : undefined;
}

export function text(pattern?: RegExp, what?: string) {
  return z.string().transform((value, ctx) => {
    const trimmed = value.trim();
    if (pattern && !pattern.test(trimmed)) {
      ctx.addIssue({ code: 'custom', message: `expected ${what ?? `text matching ${pattern}`}` });
      return z.NEVER;
    }
    return trimmed;
  });
}

/** Secrets are kept verbatim (surrounding spaces included) and never quoted in messages. */
export function secret(minLength = 1) {
  return z.string().transform((value, ctx) => {
    if (value.length < minLength) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${minLength} characters long` });
      return z.NEVER;
    }
    return value;
  });
}

/** Base64 (standard or URL-safe) of exactly 32 bytes: an AES-256 key. */
export function decodeKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

export const encryptionKeyText = z.string().transform((value, ctx) => {
  if (!decodeKey(value)) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected 32 random bytes in base64 (generate one with: openssl rand -base64 32)',
    });
    return z.NEVER;
  }
  return value.trim();
});

export const encryptionKeyTextList = z.string().transform((value, ctx) => {
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (keys.some((k) => !decodeKey(k))) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a comma-separated list of 32-byte base64 keys',
    });
    return z.NEVER;
  }
  return keys;
});

/** The rate limits a plan may raise or lower (login and reset limits apply before anyone is known). */
export const PLAN_RATE_LIMIT_NAMES = ['pdf_upload', 'api_general'] as const;
export type PlanRateLimitName = (typeof PLAN_RATE_LIMIT_NAMES)[number];
export type PlanRateLimits = Readonly<
  Record<string, Partial<Record<PlanRateLimitName, RateLimit>>>
>;

/** `plus:pdf_upload=50/hour,api_general=5000/hour;pro:pdf_upload=200/hour` -> per-plan overrides. */
export function parsePlanRateLimits(text: string): PlanRateLimits | string {
  const plans: Record<string, Partial<Record<PlanRateLimitName, RateLimit>>> = {};
  if (text.trim() === 'none') return plans;
  for (const entry of text
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^([a-z][a-z0-9_-]{0,31})\s*:\s*(.+)$/.exec(entry);
    if (!match) return `expected <plan>:<limit>=<count>/<window>,... in "${entry}"`;
    const limits: Partial<Record<PlanRateLimitName, RateLimit>> = {};
    for (const pair of match[2]!.split(',').map((p) => p.trim())) {
      const [name, value] = pair.split('=').map((s) => s.trim());
      if (!PLAN_RATE_LIMIT_NAMES.includes(name as PlanRateLimitName))
        return `unknown limit "${name}" for plan ${match[1]} (known: ${PLAN_RATE_LIMIT_NAMES.join(', ')})`;
      const parsed = parseRateLimit(value ?? '');
      if (!parsed)
        return `expected <count>/<window> for ${name} of plan ${match[1]}, got "${value ?? ''}"`;
      limits[name as PlanRateLimitName] = parsed;
    }
    plans[match[1]!] = limits;
  }
  return plans;
}

export const planRateLimits = z.string().transform((text, ctx) => {
  const parsed = parsePlanRateLimits(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** `10.0.0.7`, `10.0.0.0/8`, `::1`, `fd00::/8`: an address or a CIDR block. */
export function toIpOrCidr(entry: string): string | undefined {
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || address === undefined) return undefined;
  const family = isIP(address);
  if (family === 0) return undefined;
  if (bits === undefined) return address;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return undefined;
  return `${address}/${Number(bits)}`;
}

/** `WEBHOOK_MAX_ENDPOINTS`: a count for every plan, then `;<plan>:<count>` overrides. */
export interface PlanCounts {
  default: number;
  byPlan: Readonly<Record<string, number>>;
}

/** `10`, `10;plus:25;pro:50` -> { default: 10, byPlan: { plus: 25, pro: 50 } }. */
export function parsePlanCounts(text: string): PlanCounts | string {
  const [first, ...rest] = text.split(';').map((e) => e.trim());
  const base = Number(first);
  if (!first || !Number.isInteger(base) || base < 0)
    return `expected a count, then ;<plan>:<count> overrides, got "${text}"`;
  const byPlan: Record<string, number> = {};
  for (const entry of rest.filter(Boolean)) {
    const match = /^([a-z][a-z0-9_-]{0,31})\s*:\s*(\d{1,9})$/.exec(entry);
    if (!match) return `expected <plan>:<count> in "${entry}"`;
    byPlan[match[1]!] = Number(match[2]);
  }
  return { default: base, byPlan };
}

export const planCounts = z.string().transform((text, ctx) => {
  const parsed = parsePlanCounts(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});
