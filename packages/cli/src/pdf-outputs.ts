import { readFile } from 'node:fs/promises';
import type { DualMode, JobWarning, LayoutDocument } from '@docat/contracts';
import { isPdfFormat, pdfTranslationsOf, renderPdfs, type PdfFormat } from '@docat/pipeline/render';

export { isPdfFormat, type PdfFormat };

export interface PdfOutputs {
  files: Partial<Record<PdfFormat, Uint8Array>>;
  /** Render warnings (blocks that overflow their box, characters no font draws). */
  warnings: JobWarning[];
}

/** The translated PDF and, when asked, the bilingual PDF: the pipeline's render step on a local file. */
export async function renderPdfOutputs(
  input: string,
  source: LayoutDocument,
  translated: LayoutDocument,
  opts: { target: string; formats: readonly PdfFormat[]; dualMode: DualMode; password?: string; onPage?: (done: number, total: number) => void },
): Promise<PdfOutputs> {
  if (opts.formats.length === 0) return { files: {}, warnings: [] };
  const result = await renderPdfs({
    original: new Uint8Array(await readFile(input)),
    source,
    translations: pdfTranslationsOf(source, translated),
    targetLanguage: opts.target,
    ...(opts.password ? { password: opts.password } : {}),
    ...(opts.formats.includes('dual') ? { dual: opts.dualMode } : {}),
    ...(opts.onPage ? { onPage: opts.onPage } : {}),
  });
  const files: PdfOutputs['files'] = {};
  if (opts.formats.includes('pdf')) files.pdf = result.pdf;
  if (result.dual) files.dual = result.dual;
  return { files, warnings: result.warnings };
}
