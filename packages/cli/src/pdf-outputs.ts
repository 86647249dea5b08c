import { readFile } from 'node:fs/promises';
import type { DualMode, FidelityReport, JobWarning, LayoutDocument } from '@docat/contracts';
import { isPdfFormat, pdfTranslationsOf, renderPdfs, type PdfFormat } from '@docat/pipeline/render';

export { isPdfFormat, type PdfFormat };

export interface PdfOutputs {
  files: Partial<Record<PdfFormat, Uint8Array>>;
  /** Render warnings (blocks that overflow their box, characters no font draws). */
  warnings: JobWarning[];
  /** The fidelity report, when asked for (`report: true`). */
  report?: FidelityReport;
}

/**
 * The translated PDF and, when asked, the bilingual PDF and the fidelity report: the
 * pipeline's render step on a local file.
 */
export async function renderPdfOutputs(
  input: string,
  source: LayoutDocument,
  translated: LayoutDocument,
  opts: {
    target: string;
    formats: readonly PdfFormat[];
    dualMode: DualMode;
    password?: string;
    report?: boolean;
    keepActiveContent?: boolean;
    onPage?: (done: number, total: number) => void;
  },
): Promise<PdfOutputs> {
  // The report reads the translated PDF back: it is rendered for it even when only text outputs are written.
  if (opts.formats.length === 0 && !opts.report) return { files: {}, warnings: [] };
  const result = await renderPdfs({
    original: new Uint8Array(await readFile(input)),
    source,
    translations: pdfTranslationsOf(source, translated),
    targetLanguage: opts.target,
    ...(opts.password ? { password: opts.password } : {}),
    ...(opts.formats.includes('dual') ? { dual: opts.dualMode } : {}),
    keepActiveContent: opts.keepActiveContent === true,
    report: opts.report === true,
    ...(opts.onPage ? { onPage: opts.onPage } : {}),
  });
  const files: PdfOutputs['files'] = {};
  if (opts.formats.includes('pdf')) files.pdf = result.pdf;
  if (result.dual) files.dual = result.dual;
  return { files, warnings: result.warnings, ...(result.report ? { report: result.report } : {}) };
}
