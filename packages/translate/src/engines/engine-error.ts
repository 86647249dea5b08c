import type { EngineName } from '../types.js';

/**
 * Why an engine call failed, as far as the scheduler cares:
 * - `rate_limited` (429) and `unavailable` (5xx, network): retry after a wait;
 * - `bad_reply`: the provider answered but the content is unusable (after the engine's own re-ask);
 * - `timeout`: no answer in time (no connection, or no reply): retried until the deadline;
 * - `rejected`: auth, quota, or a request the provider refuses: retrying cannot help.
 */
export type EngineErrorKind = 'rate_limited' | 'unavailable' | 'timeout' | 'bad_reply' | 'rejected';

export class EngineError extends Error {
  readonly engine: EngineName;
  readonly kind: EngineErrorKind;
  readonly status?: number;
  /** Delay the provider asked for (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(
    engine: EngineName,
    kind: EngineErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number } = {},
  ) {
    // No SDK error is chained as the cause: it carries the request it failed on, and with it
    // the key (deepl-node's axios config has the Authorization header, Google's client the
    // key in its URL), which a log printing causes would then show. What it says of the
    // failure goes into the message (`networkReason`).
    super(`${engine}: ${redactKeys(message)}`);
    this.name = 'EngineError';
    this.engine = engine;
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable' || this.kind === 'timeout';
  }
}

const KEY_IN_URL = /([?&](?:key|api_?key|auth_?key|access_token|token)=)[^&\s#"']+/giu;
const BEARER = /(\bbearer\s+)[^\s"',]+/giu;

/**
 * An engine's error message with the keys an SDK may have put in it masked: Google's
 * client sends its key in the URL's query and names the URL when a request fails.
 */
export function redactKeys(message: string): string {
  return message.replace(KEY_IN_URL, '$1[redacted]').replace(BEARER, '$1[redacted]');
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/u.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Classify an HTTP status from a provider. */
export function errorFromStatus(
  engine: EngineName,
  status: number | undefined,
  message: string,
  retryAfter?: string | null,
): EngineError {
  const retryAfterMs = parseRetryAfter(retryAfter);
  const options = { status, retryAfterMs };
  // The status is what the user checks first ("HTTP 403: API key not valid").
  const text =
    status !== undefined && !message.includes(String(status))
      ? `HTTP ${status}: ${message}`
      : message;
  if (status === 429) return new EngineError(engine, 'rate_limited', text, options);
  if (status === undefined || status >= 500 || status === 408)
    return new EngineError(engine, 'unavailable', text, options);
  return new EngineError(engine, 'rejected', text, options);
}

/** Whether an engine failure is the provider refusing the credentials (401, 403). */
export function isCredentialRefusal(err: EngineError): boolean {
  return err.kind === 'rejected' && (err.status === 401 || err.status === 403);
}

/** The health of an engine whose check call failed with `err` (already an EngineError). */
export function unhealthy(err: EngineError): { ok: false; detail: string; refused?: true } {
  return { ok: false, detail: err.message, ...(isCredentialRefusal(err) ? { refused: true } : {}) };
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'APIUserAbortError');
}

interface HttpLikeError {
  status?: unknown;
  headers?: unknown;
  message?: unknown;
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  if (headers && typeof headers === 'object') {
    const value =
      (headers as Record<string, unknown>)[name] ??
      (headers as Record<string, unknown>)[name.toLowerCase()];
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

/**
 * Map an error thrown by an HTTP SDK (Anthropic, OpenAI: `status` + `headers`) to an
 * EngineError. Abort errors are rethrown unchanged so cancellation stays cancellation.
 */
export function fromSdkError(engine: EngineName, err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  if (isAbortError(err)) throw err;
  const e = (err ?? {}) as HttpLikeError;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  return errorFromStatus(
    engine,
    status,
    status === undefined ? message + networkReason(err) : message,
    headerValue(e.headers, 'retry-after'),
  );
}

/**
 * What a failed connection's causes say, as " (connect ECONNREFUSED 127.0.0.1:443)", or
 * nothing: `fetch` says only "fetch failed" and the SDKs "Connection error.", with the
 * system's reason (refused, no such host, timed out, certificate) in their causes.
 */
export function networkReason(err: unknown): string {
  const seen = new Set<unknown>();
  let cause: unknown = err instanceof Error ? err.cause : undefined;
  while (cause instanceof Error && !seen.has(cause)) {
    seen.add(cause);
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/u.test(code))
      return ` (${cause.message.includes(code) ? cause.message : `${code}: ${cause.message}`})`;
    cause = cause.cause;
  }
  return '';
}

export { headerValue };
