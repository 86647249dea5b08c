import {
  parsePageRange,
  type JobWarning,
  type LanguageCode,
  type LayoutDocument,
} from '@docat/contracts';
import { extractInSandbox, type SandboxLimits } from '@docat/pdf/extract';

export interface ExtractDocumentOptions {
  pages?: string;
  password?: string;
  source?: LanguageCode;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** `text` when only the text is wanted: the operator walk runs only where a page needs it. */
  detail?: 'full' | 'text';
  /** Limits of the extraction sandbox, over its defaults (a benchmark allows a slow machine more time). */
  extractLimits?: Partial<SandboxLimits>;
}

const LOCAL_MAX_PAGES = 100_000;

/**
 * Extract a PDF in the sandbox. Kept apart from the translation pipeline so that
 * `docat extract` loads neither the engines nor the renderer.
 */
export async function extractDocument(
  input: string,
  opts: ExtractDocumentOptions,
): Promise<{ document: LayoutDocument; warnings: JobWarning[] }> {
  const pages = opts.pages ? (parsePageRange(opts.pages) ?? undefined) : undefined;
  return extractInSandbox(
    input,
    {
      ...(opts.password ? { password: opts.password } : {}),
      ...(pages ? { pages } : {}),
      ...(opts.source ? { sourceLanguage: opts.source } : {}),
      ocr: 'auto',
      ...(opts.detail ? { detail: opts.detail } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      // A file of the user's own on the user's machine: no service page cap, memory stays bounded.
    },
    { maxPages: LOCAL_MAX_PAGES, ...opts.extractLimits },
  );
}
