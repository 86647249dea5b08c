import type { z } from 'zod';
import type { DocatConfig } from './config.js';
import { VARIABLE_NAMES, VARIABLES, type VariableSpec } from './variables.js';

export const REDACTED = '[redacted]';

/**
 * What counts as a secret, wherever a value goes (log records, query strings shown in
 * logs, configuration dumps): fields of these names, query parameters matching
 * `SECRET_QUERY_PARAM`, the variables marked `secret` in `variables.ts`, and the
 * credentials in a connection URL.
 */
export const SECRET_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'secret',
  'signingSecret',
  'authorization',
  'cookie',
] as const;

/** Query parameters whose values are secrets: signatures of presigned URLs, tokens, keys. */
export const SECRET_QUERY_PARAM =
  /sig|signature|token|key|credential|secret|password|auth|amz|code/i;

/** Keeps scheme, host, port and path of a connection string; drops user, password and query. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const hadCredentials = url.username !== '' || url.password !== '';
    const hadQuery = url.search !== '';
    url.username = '';
    url.password = '';
    url.search = '';
    const host = url.toString();
    const withCredentials = hadCredentials ? host.replace('://', `://${REDACTED}@`) : host;
    return hadQuery ? `${withCredentials}?${REDACTED}` : withCredentials;
  } catch {
    return REDACTED;
  }
}

type Mutable = Record<string, unknown>;

function mask(value: unknown, url: boolean): unknown {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((item) => mask(item, url));
  return url && typeof value === 'string' ? redactUrl(value) : REDACTED;
}

/** A copy of the configuration safe to log: every variable marked secret is masked. */
export function redactConfig(config: DocatConfig): DocatConfig {
  const copy = structuredClone(config) as unknown as Mutable;
  for (const name of VARIABLE_NAMES) {
    const spec: VariableSpec<z.ZodType<unknown, string>, string | undefined> = VARIABLES[name];
    const secret = spec.secret;
    if (!secret) continue;
    const path = secret.path.split('.');
    const leaf = path.pop()!;
    let node: Mutable | undefined = copy;
    for (const segment of path) node = node?.[segment] as Mutable | undefined;
    if (node && leaf in node) node[leaf] = mask(node[leaf], secret.url ?? false);
  }
  return copy as unknown as DocatConfig;
}
