/**
 * Object keys are ASCII paths Docat builds itself. The rules keep one key valid on every
 * backend: on a filesystem a key can never climb out of the root (no `..`, no absolute
 * path, no NUL) nor collide with the adapter's own dot-folders; on S3 it needs no
 * escaping.
 */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
export const MAX_KEY_LENGTH = 1024;

export class InvalidObjectKeyError extends TypeError {
  constructor(key: string, reason: string) {
    super(`invalid object key ${JSON.stringify(key.slice(0, 200))}: ${reason}`);
    this.name = 'InvalidObjectKeyError';
  }
}

function check(value: string, kind: 'key' | 'prefix'): string | undefined {
  if (typeof value !== 'string') return 'not a string';
  if (value.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (value.includes('\0')) return 'contains NUL';
  if (value.startsWith('/')) return 'absolute paths are not allowed';
  if (!/^[A-Za-z0-9/_.-]*$/.test(value)) return 'only letters, digits and / _ . - are allowed';
  const segments = value.split('/');
  // A prefix may end in "/" (a folder); a key may not.
  if (kind === 'prefix' && segments.length > 1 && segments.at(-1) === '') segments.pop();
  for (const segment of segments) {
    if (segment === '') return 'empty segments are not allowed';
    if (segment === '.' || segment === '..') return '"." and ".." segments are not allowed';
    if (!SEGMENT.test(segment)) return 'segments must not start with "."';
  }
  return undefined;
}

export function assertValidKey(key: string): void {
  if (key === '') throw new InvalidObjectKeyError(key, 'empty');
  const problem = check(key, 'key');
  if (problem) throw new InvalidObjectKeyError(key, problem);
}

/** The empty prefix (everything) is valid for listing only; callers decide. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const problem = check(prefix, 'prefix');
  if (problem) throw new InvalidObjectKeyError(prefix, problem);
}

export function isValidKey(key: string): boolean {
  return key !== '' && check(key, 'key') === undefined;
}
