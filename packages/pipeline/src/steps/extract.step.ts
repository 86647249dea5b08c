import type { JobWarning, LanguageCode, LayoutDocument, PageInterval } from '@docat/contracts';
import { extractInSandbox, type SandboxLimits } from '@docat/pdf/extract';

/** A file of the user's own on the user's machine (the CLI): no service page cap; memory stays bounded. */
export const LOCAL_MAX_PAGES = 100_000;

export interface ExtractStepOptions {
  /** The chunk's pages; all pages when absent. */
  pages?: PageInterval[];
  password?: string;
  sourceLanguage?: LanguageCode;
  respectPermissions?: boolean;
  ocrEngine?: 'auto' | 'native' | 'tesseract-js';
  /** `text` when only the text is wanted (`docat extract` to txt): the operator walk runs only where a page needs it. */
  detail?: 'full' | 'text';
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ExtractStepResult {
  /** The chunk's layout, before the document-level pass (which `assembleDocument` runs). */
  layout: LayoutDocument;
  warnings: JobWarning[];
  children: number;
  peakRssMb: number;
  ocrAdapter?: string;
}

/**
 * Step 1, extract: one chunk's pages in the sandbox. The document-level pass (running
 * heads, heading levels, paragraphs continued across pages) waits for assembly, where
 * every chunk is known, so the layout does not depend on how pages were cut into chunks.
 */
export async function extractStep(
  file: string | Uint8Array,
  opts: ExtractStepOptions,
  limits: Partial<SandboxLimits> = {},
): Promise<ExtractStepResult> {
  const result = await extractInSandbox(
    file,
    {
      ...(opts.pages ? { pages: opts.pages } : {}),
      documentLevel: false,
      ocr: 'auto',
      ...(opts.respectPermissions !== undefined
        ? { respectPermissions: opts.respectPermissions }
        : {}),
      ...(opts.ocrEngine ? { ocrEngine: opts.ocrEngine } : {}),
      ...(opts.detail ? { detail: opts.detail } : {}),
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.sourceLanguage ? { sourceLanguage: opts.sourceLanguage } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
    limits,
  );
  return {
    layout: result.document,
    warnings: result.warnings,
    children: result.children,
    peakRssMb: result.peakRssMb,
    ...(result.ocrAdapter ? { ocrAdapter: result.ocrAdapter } : {}),
  };
}
