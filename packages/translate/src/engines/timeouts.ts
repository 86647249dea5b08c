import { connect } from 'node:net';
import { DocatError } from '@docat/contracts';
import type { EngineName, EngineTimeouts } from '../types.js';

/** The engines that write their answer token by token: a reply takes far longer per character. */
const LLM_ENGINES: ReadonlySet<EngineName> = new Set([
  'openai',
  'openrouter',
  'gemini',
  'anthropic',
]);

/**
 * The waits a job gets when nothing is configured. A machine-translation provider answers
 * a full batch (4,000 characters) in a second or two, so 10 s plus 2 s per 1,000
 * characters (18 s for a full batch) is ample; an LLM writes the batch back at tens of
 * characters a second, so it gets 20 s per 1,000 characters (90 s for a full batch).
 * Every attempt of one batch ends within a minute of the first, or within one whole
 * attempt's time when that is longer: an engine that takes connections and never answers
 * fails its batch in a minute, not after five attempts of a minute each.
 */
export function defaultEngineTimeouts(engine: EngineName): EngineTimeouts {
  return {
    connectMs: 5_000,
    responseMs: 10_000,
    perThousandCharsMs: LLM_ENGINES.has(engine) ? 20_000 : 2_000,
    deadlineMs: 60_000,
  };
}

/** The variables that set the waits, for every engine alike (see `docs/translation.md`). */
export const TIMEOUT_VARIABLES = {
  connectMs: 'ENGINE_CONNECT_TIMEOUT',
  responseMs: 'ENGINE_RESPONSE_TIMEOUT',
  perThousandCharsMs: 'ENGINE_RESPONSE_TIME_PER_1000_CHARS',
  deadlineMs: 'ENGINE_DEADLINE',
} as const satisfies Record<keyof EngineTimeouts, string>;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `5s`, `500ms`, `2m` -> milliseconds; a bare number is refused (its unit would be a guess). */
function parseWait(name: string, text: string): number {
  const match = /^(\d+)\s*(ms|s|m|h)$/u.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw new DocatError(
      'VALIDATION_FAILED',
      `${name}: expected a positive duration like 5s, 500ms or 2m, got "${text}"`,
    );
  return ms;
}

/** An engine's waits: the defaults, with each variable that is set in its place. */
export function engineTimeouts(
  engine: EngineName,
  env: Readonly<Record<string, string | undefined>>,
): EngineTimeouts {
  const timeouts = defaultEngineTimeouts(engine);
  for (const [field, name] of Object.entries(TIMEOUT_VARIABLES) as [
    keyof EngineTimeouts,
    string,
  ][]) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') timeouts[field] = parseWait(name, value);
  }
  return timeouts;
}

/** `host:port` of a URL, as named in a timeout and probed (`api.deepl.com:443`, `127.0.0.1:5000`). */
export function hostOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (!parsed.hostname) return undefined;
    const port = parsed.port || (parsed.protocol === 'http:' ? '80' : '443');
    return `${parsed.hostname}:${port}`;
  } catch {
    return undefined;
  }
}

/** The time an attempt carrying `characters` may take. */
export function responseTimeoutMs(timeouts: EngineTimeouts, characters: number): number {
  return timeouts.responseMs + Math.ceil((characters / 1000) * timeouts.perThousandCharsMs);
}

/** `18 s`, `0.4 s`: a wait as a person reads it. */
export function seconds(ms: number): string {
  return `${ms >= 10_000 ? Math.round(ms / 1000) : Math.round(ms / 100) / 10} s`;
}

/**
 * Whether a TCP connection to `host` (`name:port`) opens within
 * `ms`: asked of an attempt that has not answered by the connect timeout, to tell a host
 * that takes no connection (fail now) from one that is working on the answer (wait).
 * Resolves the reason it did not, or undefined when it did (or the host cannot be told).
 */
export function probeConnection(host: string, ms: number): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return Promise.resolve(undefined);
  }
  const port = Number(url.port || 443);
  const name = url.hostname.replace(/^\[(.*)\]$/u, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host: name, port });
    const done = (reason: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => done(`no connection to ${host} in ${seconds(ms)}`), ms);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(`no connection to ${host} (${err.code ?? err.message})`),
    );
  });
}
