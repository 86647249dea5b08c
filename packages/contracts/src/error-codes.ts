// Error codes and the error type, without zod: code that only throws and tells errors
// (the PDF sandbox's children) imports them from `@docat/contracts/core`.
import type { Problem, WireError } from './errors.js';

/**
 * Every error code Docat returns, with its HTTP status and meaning. Codes are part of
 * the public API: once released a code is never renamed or reused for something else.
 */
export const ERROR_CODES = {
  // Request and upload
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  EMPTY_FILE: { status: 400, title: 'The uploaded file is empty' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The uploaded file is not a PDF' },
  FILE_TOO_LARGE: { status: 413, title: 'The uploaded file exceeds the size limit' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body exceeds the size limit' },
  INVALID_PAGE_RANGE: { status: 400, title: 'The page range is not valid' },
  UNSUPPORTED_LANGUAGE: { status: 422, title: 'The engine does not support the language' },
  UNSUPPORTED_FORMAT: { status: 400, title: 'The output format is not supported' },
  RANGE_NOT_SATISFIABLE: { status: 416, title: 'The requested byte range cannot be served' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'The idempotency key was already used with a different request',
  },
  WEBHOOK_URL_FORBIDDEN: { status: 422, title: 'The webhook URL points to a forbidden address' },
  LIMIT_REACHED: { status: 422, title: 'The account has as many of these as its plan allows' },
  REQUEST_TIMEOUT: { status: 408, title: 'The request body did not arrive in time' },

  // Identity and access
  UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  INVALID_CREDENTIALS: { status: 401, title: 'The email or password is wrong' },
  TOKEN_INVALID: { status: 401, title: 'The token is invalid or expired' },
  FORBIDDEN: { status: 403, title: 'The action is not allowed' },
  ACCOUNT_DISABLED: { status: 403, title: 'The account is disabled' },
  EMAIL_TAKEN: { status: 409, title: 'An account with this email already exists' },
  REGISTRATION_CLOSED: { status: 403, title: 'Registration is closed' },
  INVITE_INVALID: { status: 403, title: 'The invitation code is unknown, used or expired' },
  CSRF_FAILED: {
    status: 403,
    title: 'The request did not prove it comes from the web app (CSRF check)',
  },
  NOT_FOUND: { status: 404, title: 'The resource does not exist' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  ACCOUNT_LOCKED: {
    status: 423,
    title: 'Too many failed logins: the account is locked for a while',
  },
  INSUFFICIENT_CREDITS: { status: 402, title: 'Not enough credits for this job' },

  // Job lifecycle
  JOB_NOT_FINISHED: { status: 409, title: 'The job has not finished yet' },
  JOB_ALREADY_FINISHED: { status: 409, title: 'The job has already finished' },
  RESULT_NOT_AVAILABLE: { status: 404, title: 'The job has no result in this format' },
  RESULT_EXPIRED: { status: 410, title: 'The result was deleted after its retention period' },
  REPORT_NOT_READY: { status: 409, title: 'The fidelity report is made once the job is rendered' },
  REPORT_NOT_AVAILABLE: { status: 404, title: 'The job has no fidelity report' },
  JOB_CANCELLED: { status: 409, title: 'The job was cancelled' },
  QUEUE_JOB_NOT_FAILED: { status: 409, title: 'The queue job is not in the failed state' },

  // Document processing (a job ends `failed` with one of these)
  PDF_CORRUPT: { status: 422, title: 'The PDF is damaged and cannot be read' },
  PDF_NO_PAGES: { status: 422, title: 'The PDF has no pages' },
  PDF_TOO_MANY_PAGES: { status: 422, title: 'The PDF has more pages than allowed' },
  PDF_PASSWORD_REQUIRED: { status: 422, title: 'The PDF needs a password to open' },
  PDF_PASSWORD_INVALID: { status: 422, title: 'The password does not open the PDF' },
  PDF_COPY_PROTECTED: { status: 422, title: 'The PDF forbids copying its text' },
  PDF_TIMEOUT: { status: 422, title: 'The PDF took too long to process' },
  PDF_RESOURCE_LIMIT: { status: 422, title: 'The PDF needs more memory than allowed' },
  OCR_LANGUAGE_UNAVAILABLE: { status: 422, title: 'No OCR data is installed for the language' },
  OCR_FAILED: { status: 422, title: 'Text recognition failed' },
  TOO_MANY_PAGE_FAILURES: { status: 422, title: 'Too many pages failed to process' },
  ENGINE_UNAVAILABLE: { status: 503, title: 'The translation engine is not available' },
  ENGINE_FAILED: { status: 502, title: 'The translation engine returned an error' },
  ENGINE_TIMEOUT: { status: 504, title: 'The translation engine did not answer in time' },
  ENGINE_AUTH: { status: 502, title: 'The translation engine refused its credentials' },

  // Platform
  DEADLINE_EXCEEDED: { status: 504, title: 'An internal call timed out' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'A service is not available' },
  INTERNAL: { status: 500, title: 'An internal error occurred' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export const PROBLEM_TYPE_BASE = 'https://docat.dev/problems/';

/**
 * The one error type that crosses service boundaries. Anything else thrown inside a
 * handler is reported to callers as INTERNAL with no detail, so internals never leak.
 */
export class DocatError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: { path: string; message: string }[];

  constructor(
    code: ErrorCode,
    detail?: string,
    options?: { cause?: unknown; errors?: { path: string; message: string }[] },
  ) {
    super(detail ?? ERROR_CODES[code].title, options?.cause ? { cause: options.cause } : undefined);
    this.name = 'DocatError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.detail = detail;
    this.errors = options?.errors;
  }

  toProblem(extra: { instance?: string; requestId?: string } = {}): Problem {
    return {
      type: PROBLEM_TYPE_BASE + this.code.toLowerCase().replace(/_/g, '-'),
      title: ERROR_CODES[this.code].title,
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
      ...extra,
    };
  }

  /** Serializable form carried in RPC replies and failed-job records. */
  toWire(): WireError {
    return { code: this.code, message: this.detail ?? this.message, errors: this.errors };
  }

  static fromWire(wire: WireError): DocatError {
    return new DocatError(wire.code, wire.message, { errors: wire.errors });
  }
}

/** Map any thrown value to a DocatError without leaking non-Docat messages. */
export function toDocatError(err: unknown): DocatError {
  if (err instanceof DocatError) return err;
  return new DocatError('INTERNAL', undefined, { cause: err });
}
