import type {
  ChunkTranslation,
  DualMode,
  EngineName,
  FidelityReport,
  JobWarning,
  LayoutDocument,
  OutputFormat,
} from '@docat/contracts';
import { toJson, toMarkdown, toPlainText } from '@docat/pdf/extract';
import {
  FontLibrary,
  fidelityReportOf,
  renderDualPdf,
  renderTranslatedPdf,
  renderTranslationsOf,
  type RenderText,
} from '@docat/pdf';
import { renderInThread } from '../render-thread/render-thread.js';

export const TEXT_FORMATS = ['md', 'txt', 'json'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];
export const PDF_FORMATS = ['pdf', 'dual'] as const;
export type PdfFormat = (typeof PDF_FORMATS)[number];

export function isTextFormat(format: OutputFormat): format is TextFormat {
  return (TEXT_FORMATS as readonly string[]).includes(format);
}

export function isPdfFormat(format: OutputFormat): format is PdfFormat {
  return (PDF_FORMATS as readonly string[]).includes(format);
}

/** The pseudo engine's output is labelled wherever it appears, so it is never taken for a translation. */
export const PSEUDO_NOTICE =
  'Pseudo-translation by the offline pseudo engine: not a real translation.';

export interface TextOutputMeta {
  targetLanguage: string;
  engine: EngineName;
  model: string;
}

/**
 * Step 4b, render the text outputs. Markdown and plain text are the translated
 * document; json is the source layout with the translation of each block beside it
 * (`document`, `translation`). A pure function of its inputs: no clock, no random ids.
 */
export function renderTextOutput(
  format: TextFormat,
  doc: { source: LayoutDocument; translated: LayoutDocument; applied: ChunkTranslation['blocks'] },
  meta: TextOutputMeta,
): string {
  const pseudo = meta.engine === 'pseudo';
  switch (format) {
    case 'md':
      return (pseudo ? `<!-- ${PSEUDO_NOTICE} -->\n\n` : '') + toMarkdown(doc.translated);
    case 'txt':
      return (pseudo ? `[${PSEUDO_NOTICE}]\n\n` : '') + toPlainText(doc.translated);
    case 'json':
      return JSON.stringify(
        {
          document: JSON.parse(toJson(doc.source)) as unknown,
          translation: {
            targetLanguage: meta.targetLanguage,
            engine: meta.engine,
            model: meta.model,
            ...(pseudo ? { notice: PSEUDO_NOTICE } : {}),
            blocks: doc.applied,
          },
        },
        null,
        2,
      );
  }
}

/** What the PDF renderer sets: the changed text of each block (and table cell), by id. */
export function pdfTranslationsOf(
  source: LayoutDocument,
  translated: LayoutDocument,
): Map<string, RenderText> {
  return renderTranslationsOf(source, translated);
}

export interface PdfRenderRequest {
  /** The source PDF's bytes. */
  original: Uint8Array;
  source: LayoutDocument;
  /** From `pdfTranslationsOf` (a map is cheaper than a second layout to hand to a render thread). */
  translations: ReadonlyMap<string, RenderText>;
  targetLanguage: string;
  password?: string;
  /** Build the bilingual PDF too, in this mode. */
  dual?: DualMode;
  /** Keep the source's scripts, actions and embedded files (PDF_KEEP_ACTIVE_CONTENT). */
  keepActiveContent?: boolean;
  /** Read the translated PDF back into a fidelity report. */
  report?: boolean;
  onPage?: (done: number, total: number) => void;
  /** Stops the render between pages and between its steps; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface PdfRenderResult {
  pdf: Uint8Array;
  dual: Uint8Array | null;
  /** Blocks that overflow their box, characters no font draws. */
  warnings: JobWarning[];
  report?: FidelityReport;
}

/**
 * Step 4c, render the PDFs: the source file with each translated block's text replaced,
 * the bilingual PDF built from both, and, when asked, the fidelity report read back from
 * the translated PDF. A job over a page range has a layout of only those pages: the
 * outputs hold only them too.
 */
export async function renderPdfs(req: PdfRenderRequest): Promise<PdfRenderResult> {
  const password = req.password !== undefined ? { password: req.password } : {};
  const numbers = req.source.pages.map((p) => p.number);
  const subset = numbers.length < req.source.pageCount ? numbers : undefined;
  const signal = req.signal ? { signal: req.signal } : {};
  // One render, one font library: subsets hold only this document's glyphs.
  const fonts = new FontLibrary();
  const translated = await renderTranslatedPdf(req.original, req.source, req.translations, {
    targetLanguage: req.targetLanguage,
    ...(subset ? { pages: subset } : {}),
    fonts,
    ...password,
    keepActiveContent: req.keepActiveContent === true,
    ...(req.onPage ? { onPage: req.onPage } : {}),
    ...signal,
  });
  const dual = req.dual
    ? await renderDualPdf(req.original, translated.bytes, {
        mode: req.dual,
        plan: {
          layout: req.source,
          translations: req.translations,
          targetLanguage: req.targetLanguage,
          fonts,
        },
        ...password,
        keepActiveContent: req.keepActiveContent === true,
        ...(subset ? { sourcePages: subset } : {}),
        ...signal,
      })
    : null;
  req.signal?.throwIfAborted();
  const report = req.report
    ? await fidelityReportOf(translated, {
        layout: req.source,
        translations: req.translations,
        targetLanguage: req.targetLanguage,
        ...(subset ? { pages: subset } : {}),
      })
    : undefined;
  return {
    pdf: translated.bytes,
    dual,
    warnings: translated.warnings,
    ...(report ? { report } : {}),
  };
}

export interface OutputsOptions {
  formats: readonly OutputFormat[];
  dualMode: DualMode;
  password?: string;
  keepActiveContent?: boolean;
  /** Also make the fidelity report (the translated PDF is rendered for it even when not written). */
  report?: boolean;
  onPage?: (done: number, total: number) => void;
  /** Render in a render thread (true) or in this process (false); by page count when absent. */
  renderThread?: boolean;
}

/**
 * From how many pages the CLI renders in a render thread, as the service does. Starting the
 * thread costs about a second of CPU (its own copy of the PDF libraries, the layout copied
 * in), which a short document feels (14 pages: 9-10 s of CPU become 11-14 s); a book gains
 * from the thread's heap settings (294 pages: 839-858 MB peak instead of 994-1,016 MB).
 */
export const RENDER_THREAD_FROM_PAGES = 50;

/**
 * Every asked output of an assembled document, for the CLI: the same text and PDFs a job's
 * render step stores; the PDFs made in a render thread as there when the document has
 * `RENDER_THREAD_FROM_PAGES` pages or more, else in this process (the bytes are the same).
 */
export async function renderOutputs(
  original: () => Promise<Uint8Array>,
  doc: { source: LayoutDocument; translated: LayoutDocument; applied: ChunkTranslation['blocks'] },
  meta: TextOutputMeta,
  opts: OutputsOptions,
): Promise<{
  files: Partial<Record<OutputFormat, Uint8Array>>;
  warnings: JobWarning[];
  report?: FidelityReport;
}> {
  const files: Partial<Record<OutputFormat, Uint8Array>> = {};
  for (const format of opts.formats) {
    if (isTextFormat(format))
      files[format] = new TextEncoder().encode(renderTextOutput(format, doc, meta));
  }
  if (!opts.formats.some(isPdfFormat) && !opts.report) return { files, warnings: [] };
  const inThread = opts.renderThread ?? doc.source.pages.length >= RENDER_THREAD_FROM_PAGES;
  const asked = {
    translations: pdfTranslationsOf(doc.source, doc.translated),
    targetLanguage: meta.targetLanguage,
    ...(opts.password ? { password: opts.password } : {}),
    ...(opts.formats.includes('dual') ? { dual: opts.dualMode } : {}),
    keepActiveContent: opts.keepActiveContent === true,
    report: opts.report === true,
  };
  const onPage = opts.onPage ? { onPage: opts.onPage } : {};
  // In a render thread, as the service renders: its heap is sized for rendering (a book
  // renders in bounded memory) and all of it is returned when the thread ends. No time limit
  // there, as before the thread: the user waits for the document and can interrupt; a
  // service has a queue to keep moving.
  const pdfs = inThread
    ? await renderInThread(
        { ...asked, source: await original(), layout: doc.source },
        { limits: { timeoutMs: Number.POSITIVE_INFINITY }, ...onPage },
      )
    : await renderPdfs({ ...asked, original: await original(), source: doc.source, ...onPage });
  if (opts.formats.includes('pdf')) files.pdf = pdfs.pdf;
  if (asked.dual && pdfs.dual) files.dual = pdfs.dual;
  return { files, warnings: pdfs.warnings, ...(pdfs.report ? { report: pdfs.report } : {}) };
}
