import { DocatError } from '@docat/contracts/core';
import { truthOf } from '@docat/config/truth';

/** The command-line flag of each upload field, for messages that name what the user typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  targetLanguage: '--to',
  sourceLanguage: '--source',
  engine: '--engine',
  outputs: '--format',
  pages: '--pages',
  dualMode: '--dual-mode',
  password: '--password',
};

/** `--to` for `targetLanguage`; a field without a flag keeps its name. */
export function flagOf(field: string): string {
  return FLAG_OF_FIELD[field] ?? field;
}

/** What to do next about a failure, when the error code alone leaves the user guessing. */
export function hintFor(err: DocatError): string | undefined {
  switch (err.code) {
    case 'PDF_PASSWORD_REQUIRED':
      return 'give its password with --password <password>';
    case 'PDF_PASSWORD_INVALID':
      return 'check the password given with --password';
    case 'PDF_COPY_PROTECTED':
      return 'if you may translate it anyway, open it with its owner password (--password), or set RESPECT_PDF_PERMISSIONS=false';
    case 'PDF_TOO_MANY_PAGES':
    case 'PDF_TIMEOUT':
    case 'PDF_RESOURCE_LIMIT':
      return 'try fewer pages at a time with --pages, e.g. --pages 1-50';
    default:
      return undefined;
  }
}

/** A failure with the next step to take, printed on its own line under the error. */
export class HintedError extends DocatError {
  constructor(
    err: DocatError,
    readonly hint: string,
  ) {
    super(err.code, err.detail, { ...(err.errors ? { errors: err.errors } : {}) });
  }
}

/**
 * RESPECT_PDF_PERMISSIONS as the services read it (true unless set false): the CLI applies
 * the same rule to PDFs whose author forbade copying their text, with the configuration's
 * true/false words but without loading its schema, which `docat extract` does not need.
 */
export function respectPermissions(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.RESPECT_PDF_PERMISSIONS;
  if (raw === undefined || raw.trim() === '') return true;
  const truth = truthOf(raw);
  if (truth !== undefined) return truth;
  throw new DocatError(
    'VALIDATION_FAILED',
    `RESPECT_PDF_PERMISSIONS must be true or false, not '${raw}'`,
  );
}
