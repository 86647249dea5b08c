import { readFile } from 'node:fs/promises';
import type { DualMode, FidelityReport, JobWarning, LayoutDocument, OutputFormat } from '@docat/contracts';
import { FontLibrary, fidelityReportOf, renderDualPdf, renderTranslatedPdf, renderTranslationsOf } from '@docat/pdf';

export const PDF_FORMATS = ['pdf', 'dual'] as const;
export type PdfFormat = (typeof PDF_FORMATS)[number];

export function isPdfFormat(format: OutputFormat): format is PdfFormat {
  return (PDF_FORMATS as readonly string[]).includes(format);
}

export interface PdfOutputs {
  files: Partial<Record<PdfFormat, Uint8Array>>;
  /** Render warnings (blocks that overflow their box, characters no font draws). */
  warnings: JobWarning[];
  /** The fidelity report, when asked for (`report: true`). */
  report?: FidelityReport;
}

/**
 * The translated PDF (the input file with each translated block's text replaced) and,
 * when asked, the bilingual PDF built from it and the input.
 */
export async function renderPdfOutputs(
  input: string,
  source: LayoutDocument,
  translated: LayoutDocument,
  opts: { target: string; formats: readonly PdfFormat[]; dualMode: DualMode; password?: string; report?: boolean; keepActiveContent?: boolean; onPage?: (done: number, total: number) => void },
): Promise<PdfOutputs> {
  // The report reads the translated PDF back: it is rendered for it even when only text outputs are written.
  if (opts.formats.length === 0 && !opts.report) return { files: {}, warnings: [] };
  const original = new Uint8Array(await readFile(input));
  const password = opts.password ? { password: opts.password } : {};
  // A page range (--pages) extracts only those pages: the outputs hold only them too.
  const numbers = source.pages.map((p) => p.number);
  const subset = numbers.length < source.pageCount ? { pages: numbers } : {};
  const translations = renderTranslationsOf(source, translated);
  const fonts = new FontLibrary();
  const result = await renderTranslatedPdf(original, source, translations, {
    targetLanguage: opts.target,
    fonts,
    ...password,
    ...subset,
    keepActiveContent: opts.keepActiveContent === true,
    ...(opts.onPage ? { onPage: opts.onPage } : {}),
  });
  const files: PdfOutputs['files'] = {};
  if (opts.formats.includes('pdf')) files.pdf = result.bytes;
  if (opts.formats.includes('dual')) {
    files.dual = await renderDualPdf(original, result.bytes, {
      mode: opts.dualMode,
      plan: { layout: source, translations, targetLanguage: opts.target, fonts },
      ...password,
      keepActiveContent: opts.keepActiveContent === true,
      ...(subset.pages ? { sourcePages: subset.pages } : {}),
    });
  }
  const report = opts.report ? await fidelityReportOf(result, { layout: source, translations, targetLanguage: opts.target, ...subset }) : undefined;
  return { files, warnings: result.warnings, ...(report ? { report } : {}) };
}
