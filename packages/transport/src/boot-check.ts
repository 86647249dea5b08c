/**
 * Fails fast at boot when a service claims a pattern or event it has no handler for.
 * `server.getHandlers()` is filled by Nest before `listen()`, so call this from the
 * strategy's `listen` (the servers do, given `requiredPatterns`) or after `app.init()`.
 */
export function assertHandlersRegistered(
  server: { getHandlers(): Map<string, unknown> },
  patterns: readonly string[],
): void {
  const handlers = server.getHandlers();
  const missing = patterns.filter((pattern) => !handlers.has(pattern));
  if (missing.length > 0) {
    throw new Error(`no handler registered for: ${[...new Set(missing)].join(', ')}`);
  }
}
