import { DocatError, STEP_ATTEMPTS, type WireError } from '@docat/contracts';

/** Errors that a retry cannot fix: the document itself is the problem. */
const PERMANENT = new Set<string>([
  'PDF_CORRUPT',
  'PDF_NO_PAGES',
  'PDF_TOO_MANY_PAGES',
  'PDF_PASSWORD_REQUIRED',
  'PDF_PASSWORD_INVALID',
  'PDF_COPY_PROTECTED',
  'PDF_TIMEOUT',
  'PDF_RESOURCE_LIMIT',
  'OCR_LANGUAGE_UNAVAILABLE',
  'INVALID_PAGE_RANGE',
  'ENGINE_UNAVAILABLE',
  // An engine that refused its key, or never answered within its deadline (retries included).
  'ENGINE_AUTH',
  'ENGINE_TIMEOUT',
  'UNSUPPORTED_LANGUAGE',
  'VALIDATION_FAILED',
]);

/**
 * An engine that is configured but failing for now (5xx, 429, timeouts) is ENGINE_UNAVAILABLE
 * with the engine's retryable error as its cause: another attempt may find it back, unlike
 * an engine that is not configured. Read by shape, so this package needs no engine code.
 */
function passing(err: DocatError): boolean {
  return (
    err.code === 'ENGINE_UNAVAILABLE' &&
    (err.cause as { retryable?: unknown } | undefined)?.retryable === true
  );
}

/**
 * What to do with a step's error: report it as the step's final failure, or throw it
 * so the queue retries. Permanent document errors and a last attempt are final.
 */
export function finalFailure(err: unknown, attempt: number): WireError | null {
  if (err instanceof DocatError && PERMANENT.has(err.code) && !passing(err)) return err.toWire();
  if (attempt >= STEP_ATTEMPTS) {
    return err instanceof DocatError
      ? err.toWire()
      : { code: 'INTERNAL', message: 'the step failed after every retry' };
  }
  return null;
}
