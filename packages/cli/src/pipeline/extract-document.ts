import { parsePageRange, type LanguageCode } from '@docat/contracts/core';
import type { JobWarning, LayoutDocument } from '@docat/contracts';
import { finalizeDocument, type SandboxLimits } from '@docat/pdf/extract';
import { LOCAL_MAX_PAGES, extractStep } from '@docat/pipeline/extract';
import { respectPermissions } from '../hints.js';

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

/**
 * The pipeline's extract step and the document-level pass, as a job's render step
 * assembles them: `docat extract` gives the layout a translation starts from. Loads
 * neither the engines nor the renderer.
 */
export async function extractDocument(
  input: string,
  opts: ExtractDocumentOptions,
): Promise<{ document: LayoutDocument; warnings: JobWarning[] }> {
  const pages = opts.pages ? (parsePageRange(opts.pages) ?? undefined) : undefined;
  const result = await extractStep(
    input,
    {
      ...(pages ? { pages } : {}),
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.source ? { sourceLanguage: opts.source } : {}),
      respectPermissions: respectPermissions(),
      ...(opts.detail ? { detail: opts.detail } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
    { maxPages: LOCAL_MAX_PAGES, ...opts.extractLimits },
  );
  // One chunk, in page order, owned here: the document-level pass needs no merged copy.
  return { document: finalizeDocument(result.layout), warnings: result.warnings };
}
