import { HttpException } from '@nestjs/common';
import { DocatError, type ErrorCode, type Problem } from '@docat/contracts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemContext {
  requestId?: string;
  instance?: string;
}

/** Status codes the HTTP layer produces by itself, mapped to registered codes. */
const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION_FAILED',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Fastify and @fastify/multipart error codes whose meaning is more precise than their status. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_REQ_FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  FST_PARTS_LIMIT: 'VALIDATION_FAILED',
  FST_FILES_LIMIT: 'VALIDATION_FAILED',
  FST_FIELDS_LIMIT: 'VALIDATION_FAILED',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'VALIDATION_FAILED',
  FST_PROTO_VIOLATION: 'VALIDATION_FAILED',
  FST_NO_FORM_DATA: 'VALIDATION_FAILED',
};

interface ZodLikeError {
  name: 'ZodError';
  issues: { path: PropertyKey[]; message: string }[];
}

function isZodError(error: unknown): error is ZodLikeError {
  return (
    error instanceof Error &&
    error.name === 'ZodError' &&
    Array.isArray((error as { issues?: unknown }).issues)
  );
}

interface HttpLikeError {
  code?: unknown;
  statusCode?: unknown;
  message: string;
}

function httpLike(error: unknown): HttpLikeError | null {
  if (!(error instanceof Error)) return null;
  const { statusCode } = error as { statusCode?: unknown };
  return typeof statusCode === 'number' ? (error as HttpLikeError) : null;
}

/**
 * Turn anything thrown while serving a request into a DocatError. Client errors keep
 * a message that says what was wrong; server errors never carry internals.
 */
export function toHttpDocatError(error: unknown): DocatError {
  if (error instanceof DocatError) return error;
  if (isZodError(error)) {
    const errors = error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    return new DocatError(
      'VALIDATION_FAILED',
      errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '),
      {
        errors,
      },
    );
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = STATUS_CODES[status] ?? (status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL');
    if (status === 404) return new DocatError('NOT_FOUND');
    return new DocatError(code, status < 500 ? error.message : undefined, { cause: error });
  }
  const http = httpLike(error);
  if (http) {
    const status = http.statusCode as number;
    const known = typeof http.code === 'string' ? FASTIFY_CODES[http.code] : undefined;
    const code = known ?? STATUS_CODES[status] ?? (status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL');
    const detail = status < 500 && code !== 'INTERNAL' ? http.message : undefined;
    return new DocatError(code, detail, { cause: error });
  }
  return new DocatError('INTERNAL', undefined, { cause: error });
}

export function problemFor(error: unknown, context: ProblemContext = {}): Problem {
  const docat = toHttpDocatError(error);
  const extra: ProblemContext = {};
  if (context.instance !== undefined) extra.instance = context.instance;
  if (context.requestId !== undefined) extra.requestId = context.requestId;
  const problem = docat.toProblem(extra);
  if (docat.code === 'INTERNAL') delete problem.detail;
  return problem;
}
