import type { ErrorCode } from '@docat/contracts';
import { ApiError } from './client.js';

/**
 * What each error code means to a person and what they can do about it. Typed as a
 * record of every code, so a code added to the contracts fails the build until it is
 * explained here.
 */
const ADVICE: Record<ErrorCode, string> = {
  VALIDATION_FAILED:
    'Some of the values are not valid. Check the highlighted fields and try again.',
  EMPTY_FILE: 'The file is empty. Choose the PDF again; it may not have finished saving.',
  UNSUPPORTED_MEDIA_TYPE:
    'This file is not a PDF. Export or print it to PDF first, then upload that.',
  FILE_TOO_LARGE:
    'The file is larger than the upload limit. Split it into smaller PDFs or compress its images.',
  PAYLOAD_TOO_LARGE: 'That is more data than one request may carry. Try a smaller file.',
  INVALID_PAGE_RANGE:
    'The page range is not valid. Use page numbers like 1-5,8 that exist in the document.',
  UNSUPPORTED_LANGUAGE:
    'The chosen engine does not translate this language pair. Pick another engine or language.',
  UNSUPPORTED_FORMAT: 'That output format is not offered.',
  RANGE_NOT_SATISFIABLE: 'The download could not be resumed. Start it again.',
  IDEMPOTENCY_KEY_REUSED:
    'This upload was already sent with other options. Reload the page and upload again.',
  WEBHOOK_URL_FORBIDDEN:
    'The webhook address points to a private or local network, which is not allowed.',
  LIMIT_REACHED: 'Your plan allows no more of these. Delete one you no longer need first.',
  REQUEST_TIMEOUT: 'The upload was too slow and was stopped. Check your connection and try again.',
  UNAUTHENTICATED: 'You are signed out. Sign in again to continue.',
  INVALID_CREDENTIALS: 'The email or password is wrong. Check both, or reset your password.',
  TOKEN_INVALID: 'The link or session is no longer valid. Sign in again, or ask for a new link.',
  FORBIDDEN: 'Your account is not allowed to do this.',
  ACCOUNT_DISABLED:
    'This account is disabled. Contact the administrator of this Docat installation.',
  EMAIL_TAKEN: 'An account with this email already exists. Sign in, or reset its password.',
  REGISTRATION_CLOSED:
    'This installation does not take new sign-ups. Ask its administrator for an invitation.',
  INVITE_INVALID:
    'The invitation code is unknown, already used or expired. Ask for a new invitation.',
  CSRF_FAILED: 'Your browser did not send the session check. Reload the page and sign in again.',
  NOT_FOUND: 'This item does not exist, or it belongs to another account.',
  RATE_LIMITED: 'Too many requests in a short time.',
  ACCOUNT_LOCKED:
    'Too many failed sign-ins. The account is locked for a while; try again later or reset the password.',
  INSUFFICIENT_CREDITS:
    'Your credits do not cover this document. Translate fewer pages, or wait for the next period.',
  JOB_NOT_FINISHED: 'The job is still running. Its files appear when it completes.',
  JOB_ALREADY_FINISHED: 'The job has already finished, so there is nothing to cancel.',
  RESULT_NOT_AVAILABLE:
    'This job did not produce that file. Run it again with that output selected.',
  RESULT_EXPIRED:
    'The files were deleted after their retention period. Upload the PDF again to get them.',
  REPORT_NOT_READY: 'The fidelity report appears once the translated PDF is rendered.',
  REPORT_NOT_AVAILABLE:
    'This job has no fidelity report (it failed, was cancelled, or predates reports).',
  JOB_CANCELLED: 'The job was cancelled, so it has no files.',
  QUEUE_JOB_NOT_FAILED: 'That queue job is no longer in the failed state.',
  PDF_CORRUPT: 'The PDF is damaged and cannot be read. Re-export it from the program that made it.',
  PDF_NO_PAGES: 'The PDF has no pages.',
  PDF_TOO_MANY_PAGES:
    'The PDF has more pages than allowed. Choose a page range, or split the document.',
  PDF_PASSWORD_REQUIRED:
    'The PDF is locked. Enter its password under "More options" and upload it again.',
  PDF_PASSWORD_INVALID: 'The password does not open the PDF. Check it and upload again.',
  PDF_COPY_PROTECTED: "The PDF's permissions forbid copying its text, so it cannot be translated.",
  PDF_TIMEOUT:
    'The PDF took too long to process. Try a page range, or a simpler export of the document.',
  PDF_RESOURCE_LIMIT:
    'The PDF needs more memory than allowed. Try a page range or a smaller document.',
  OCR_LANGUAGE_UNAVAILABLE:
    'Scanned pages need text recognition data for the source language, which is not installed. Pick the source language, or ask the administrator.',
  OCR_FAILED: 'Text recognition failed on the scanned pages. A cleaner scan may work.',
  TOO_MANY_PAGE_FAILURES: 'Too many pages could not be processed. The file may be damaged.',
  ENGINE_UNAVAILABLE:
    'The translation engine is not reachable right now. Try again later, or pick another engine.',
  ENGINE_FAILED:
    'The translation engine returned an error. Try again later, or pick another engine.',
  ENGINE_TIMEOUT:
    'The translation engine did not answer in time. Try again later, or pick another engine.',
  ENGINE_AUTH:
    'The translation engine refused the key this server has for it. Ask the administrator, or pick another engine.',
  DEADLINE_EXCEEDED: 'The server took too long to answer. Try again in a moment.',
  SERVICE_UNAVAILABLE: 'Part of the service is down or restarting. Try again in a moment.',
  INTERNAL:
    'Something went wrong on the server. Try again; if it keeps happening, tell the administrator.',
};

export function adviceFor(code: ErrorCode): string {
  return ADVICE[code];
}

function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}

/** The server's detail as a sentence of its own after the advice: it ends with a full stop. */
function sentence(text: string | undefined): string {
  const trimmed = text?.trim() ?? '';
  if (!trimmed) return '';
  return /[.!?)]$/u.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** One sentence (or two) for any failure a page shows. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'NETWORK')
      return 'The server could not be reached. Check your connection and try again.';
    const advice = ADVICE[error.code];
    if (error.code === 'RATE_LIMITED' && error.retryAfterSeconds !== null)
      return `${advice} You can try again in ${waitText(error.retryAfterSeconds)}.`;
    const detail = error.problem?.detail;
    const fields = error.problem?.errors
      ?.map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}`)
      .join('; ');
    return [advice, sentence(fields || (detail && detail !== error.problem?.title ? detail : ''))]
      .filter(Boolean)
      .join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}
