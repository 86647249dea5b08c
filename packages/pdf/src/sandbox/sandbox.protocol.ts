import type { ErrorCode, JobWarning, LayoutDocument, PageInterval } from '@docat/contracts';

/** A split below this many pages per child costs more in start-up than it saves. */
export const MIN_PAGES_PER_CHILD = 16;

export interface SandboxLimits {
  /** Wall-clock limit for the whole parse. */
  timeoutMs: number;
  /** The child is killed when its resident set passes this. */
  maxRssMb: number;
  /** Documents with more pages fail with PDF_TOO_MANY_PAGES. */
  maxPages: number;
  /** Total decoded size of the file's compressed streams. */
  maxDecompressedBytes: number;
  /** Decoded size of any one compressed stream. */
  maxStreamBytes: number;
  /** Children one extraction may split its pages over. */
  maxChildren: number;
}

/**
 * Which child this is: `index` of `of` children sharing the selected pages (each takes its
 * pages from the parent in batches). `of` 0 marks the first child, which decides the split
 * once it knows the pages.
 */
export interface PageSlice {
  index: number;
  of: number;
  maxChildren: number;
  /** Cores the children share: each OCRs `cores / of` pages at once. */
  cores: number;
}

/** The serialisable part of ExtractOptions that crosses into the child. */
export interface ChildExtractOptions {
  password?: string;
  respectPermissions?: boolean;
  pages?: PageInterval[];
  sourceLanguage?: string;
  ocr?: 'auto' | 'off' | 'force';
  detail?: 'full' | 'text';
  documentLevel?: boolean;
  ocrDpi?: number;
  ocrEngine?: 'auto' | 'native' | 'tesseract-js';
}

export type ChildInput = { path: string } | { bytes: Uint8Array };

export type ParentMessage =
  | {
      type: 'extract';
      input: ChildInput;
      options: ChildExtractOptions;
      limits: SandboxLimits;
      slice: PageSlice;
    }
  | {
      type: 'probe';
      input: ChildInput;
      options: { password?: string; respectPermissions?: boolean };
      limits: SandboxLimits;
    };

/**
 * The parent's answer to a `next`: the selected pages at indexes `from` to `to` (exclusive)
 * are this child's to read; none (`from === to`) when every page has been handed out.
 * `left`: pages not yet handed out to any child.
 */
export interface PagesMessage {
  type: 'pages';
  from: number;
  to: number;
  left: number;
}

/** The parent's answer to an `ocr-request`: the child may start that OCR run. */
export interface OcrGrantMessage {
  type: 'ocr-grant';
  id: number;
}

export interface ProbeResult {
  pageCount: number;
  encrypted: boolean;
  /** The document needs a password that was not given (or was wrong). */
  passwordRequired: boolean;
  /** Pages (1-based) without a usable text layer: OCR candidates. */
  scannedPages: number[];
}

export type ChildMessage =
  | { type: 'progress'; done: number; total: number }
  /**
   * The first child split the selected pages between `of` children; the parent starts the
   * others and hands the pages out in batches (`next`, answered by `pages`).
   */
  | { type: 'split'; of: number; selected: number }
  /** A child of a split asks for its next batch of pages. */
  | { type: 'next' }
  /** Which OCR engine the child started, sent once, when the first page needs OCR. */
  | { type: 'ocr'; adapter: 'native' | 'tesseract-js' }
  /** Before the child draws its first page for OCR: from then on it works for OCR. */
  | { type: 'ocr-prepare' }
  /** Before each OCR run: the child waits for the parent's `ocr-grant` (the process's OCR budget). */
  | { type: 'ocr-request'; id: number }
  /** The OCR run granted under `id` ended. */
  | { type: 'ocr-release'; id: number }
  /**
   * A page laid out, as `v8.serialize(page)` deflated (raw, level 1: a fifth of the size for
   * a few milliseconds in 100 pages): the parent keeps these bytes (a small fraction of the
   * page as objects) until every child has finished, and only then builds the pages.
   */
  | { type: 'page'; number: number; data: Uint8Array }
  | { type: 'result'; document: LayoutDocument; warnings: JobWarning[]; maxRssKb: number }
  | { type: 'probe'; probe: ProbeResult; maxRssKb: number }
  | { type: 'error'; code: ErrorCode; message: string };
