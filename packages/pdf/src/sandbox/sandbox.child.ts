import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { serialize } from 'node:v8';
import { deflateRawSync } from 'node:zlib';
import { DocatError, isErrorCode } from '@docat/contracts/core';
import type { PageInterval } from '@docat/contracts';
import {
  extractFromDocument,
  hasEndMarker,
  judgePage,
  selectedPages,
  type PageFeed,
} from '../extract/extract-layout.js';
import { LARGE_IMAGE_PIXELS, LargeImageSource } from '../extract/large-images.js';
import { readPage } from '../extract/page-reader.js';
import {
  closeDocument,
  loadPdfjs,
  openDocument,
  useDirectWorkerPort,
  useMinifiedPdfjs,
  useTextOnlyFonts,
  useWholeStreamInflate,
  warmPdfjs,
} from '../extract/pdfjs.js';
import { usePatchedTextTransform } from '../extract/text-transform-patch.js';
import { LazyOcrAdapter } from '../ocr/ocr-adapter-choice.js';
import type { OcrAdapter, OcrLine, Orientation } from '../ocr/ocr-adapter.js';
import { checkDecompressedSize } from './decompression-guard.js';
import { deferPdfjsCanvas } from './lazy-canvas.js';
import { MIN_PAGES_PER_CHILD } from './sandbox.protocol.js';
import type {
  ChildInput,
  ChildMessage,
  OcrGrantMessage,
  PagesMessage,
  ParentMessage,
  ProbeResult,
} from './sandbox.protocol.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function load(input: ChildInput): Promise<Uint8Array> {
  if ('path' in input) return new Uint8Array(await readFile(input.path));
  return input.bytes;
}

const ocrGrants = new Map<number, () => void>();
let ocrRuns = 0;

/**
 * Each OCR run first waits for the parent's grant: the parent holds the OCR budget of the
 * whole process, shared by every child it runs (see `OcrBudget`).
 */
class BudgetedOcr implements OcrAdapter {
  constructor(private readonly inner: LazyOcrAdapter) {}

  get name() {
    return this.inner.name;
  }

  get minDpi() {
    return this.inner.minDpi;
  }

  get concurrency() {
    return this.inner.concurrency;
  }

  hasLanguage(language: string): boolean {
    return this.inner.hasLanguage(language);
  }

  recognize(png: Buffer, language: string): Promise<OcrLine[]> {
    return this.granted(() => this.inner.recognize(png, language));
  }

  orientation(png: Buffer): Promise<Orientation | undefined> {
    return this.granted(() => this.inner.orientation(png));
  }

  private prepared = false;

  /** The page drawn for the first OCR run is OCR work already: the parent steps the child down now. */
  willDraw(): void {
    if (this.prepared) return;
    this.prepared = true;
    void send({ type: 'ocr-prepare' });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async granted<T>(run: () => Promise<T>): Promise<T> {
    if (!process.send) return run();
    const id = ++ocrRuns;
    await new Promise<void>((resolve) => {
      ocrGrants.set(id, resolve);
      void send({ type: 'ocr-request', id });
    });
    try {
      return await run();
    } finally {
      void send({ type: 'ocr-release', id });
    }
  }
}

let pagesAnswer: ((msg: PagesMessage) => void) | undefined;

/** The next batch of selected pages, from the parent (one request at a time). */
function askPages(): Promise<PagesMessage> {
  return new Promise((resolve) => {
    pagesAnswer = resolve;
    void send({ type: 'next' });
  });
}

/**
 * The pages of a split document, taken from the parent a batch at a time. The next batch is
 * asked for while the last page of the current one is read.
 */
class PulledPages implements PageFeed {
  private batch: number[] = [];
  private left = 0;
  private ahead: Promise<PagesMessage> | undefined;

  constructor(
    private readonly selected: readonly number[],
    private readonly of: number,
  ) {}

  async next(): Promise<number | undefined> {
    if (this.batch.length === 0) {
      const answer = await (this.ahead ?? askPages());
      this.ahead = undefined;
      this.left = answer.left;
      this.batch = this.selected.slice(answer.from, answer.to);
      if (this.batch.length === 0) return undefined;
    }
    const n = this.batch.shift()!;
    if (this.batch.length === 0) this.ahead = askPages();
    return n;
  }

  remaining(): number {
    return this.batch.length + 1 + Math.ceil(this.left / this.of);
  }
}

function maxRssKb(): number {
  return process.resourceUsage().maxRSS;
}

async function handle(msg: ParentMessage): Promise<ChildMessage> {
  let bytes = await load(msg.input);
  if (bytes.byteLength === 0) throw new DocatError('PDF_CORRUPT', 'The file is empty');
  // The first child checks the file for the whole sandbox; slices start only once it has.
  const firstChild = msg.type === 'probe' || msg.slice.of === 0;
  if (firstChild)
    await checkDecompressedSize(bytes, msg.limits.maxDecompressedBytes, msg.limits.maxStreamBytes);
  const encrypted = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(
    '/Encrypt',
  );

  if (msg.type === 'probe') {
    let doc;
    try {
      doc = await openDocument(bytes, {
        password: msg.options.password,
        respectPermissions: msg.options.respectPermissions,
        fontExtraProperties: false,
        maxImageSize: LARGE_IMAGE_PIXELS,
      });
    } catch (err) {
      if (
        err instanceof DocatError &&
        (err.code === 'PDF_PASSWORD_REQUIRED' || err.code === 'PDF_PASSWORD_INVALID')
      ) {
        return {
          type: 'probe',
          probe: { pageCount: 0, encrypted: true, passwordRequired: true, scannedPages: [] },
          maxRssKb: maxRssKb(),
        };
      }
      throw err;
    }
    if (doc.numPages > msg.limits.maxPages)
      throw new DocatError('PDF_TOO_MANY_PAGES', `${doc.numPages} pages`);
    const pdfjs = await loadPdfjs();
    const large = new LargeImageSource(bytes, msg.options.password);
    const scannedPages: number[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      let content = await readPage(pdfjs, page, { operators: false });
      if (content.quality.chars < 20) content = await readPage(pdfjs, page, { operators: true });
      const isScan =
        judgePage(content) !== 'text' ||
        (content.quality.chars < 20 && (await large.onPage(n)).length > 0);
      if (isScan) scannedPages.push(n);
      page.cleanup();
    }
    const probe: ProbeResult = {
      pageCount: doc.numPages,
      encrypted,
      passwordRequired: false,
      scannedPages,
    };
    await closeDocument(doc);
    return { type: 'probe', probe, maxRssKb: maxRssKb() };
  }

  // pdf.js keeps its own copy of the file for the document's life. A file given by path is
  // not held a second time here (a 50 MB upload would take 50 MB more in each child): its
  // bytes are handed to pdf.js (or let go once the document is open), and a reopen reads
  // the file again and hands that over, so no open holds the file twice. (An empty file was
  // refused above, so no bytes means let go.)
  const digest = createHash('sha256').update(bytes).digest('hex');
  const complete = hasEndMarker(bytes);
  const large = new LargeImageSource(bytes, msg.options.password);
  const reread = async () => {
    const again = await load(msg.input);
    // What the first child checked for bombs is what every open parses.
    if (createHash('sha256').update(again).digest('hex') !== digest)
      throw new DocatError('PDF_CORRUPT', 'The file changed while it was being read');
    return again;
  };
  const openOptions = {
    password: msg.options.password,
    respectPermissions: msg.options.respectPermissions,
    maxImageSize: LARGE_IMAGE_PIXELS,
  };
  // The large-image reader keeps the bytes it was given when the file holds such an image.
  const handOver = 'path' in msg.input && !large.present;
  const open = async (glyphOutlines = false) =>
    bytes.byteLength > 0
      ? openDocument(bytes, { ...openOptions, glyphOutlines, transfer: handOver })
      : openDocument(await reread(), { ...openOptions, glyphOutlines, transfer: true });
  const doc = await open();
  if ('path' in msg.input) bytes = new Uint8Array(0);
  if (doc.numPages > msg.limits.maxPages) {
    throw new DocatError(
      'PDF_TOO_MANY_PAGES',
      `${doc.numPages} pages, at most ${msg.limits.maxPages} allowed`,
    );
  }
  const selected = selectedPages(doc.numPages, msg.options.pages);
  let { index, of } = msg.slice;
  if (of === 0) {
    index = 0;
    of = Math.max(
      1,
      Math.min(msg.slice.maxChildren, Math.floor(selected.length / MIN_PAGES_PER_CHILD)),
    );
    if (of > 1) await send({ type: 'split', of, selected: selected.length });
  }
  // A document split between children: each takes its pages from the parent in batches.
  const feed = of > 1 ? new PulledPages(selected, of) : undefined;
  // The cores are shared out between the slices that run at once: a document read by one
  // child OCRs as many pages at once as there are cores.
  const ocr = new BudgetedOcr(
    new LazyOcrAdapter(
      msg.options.ocrEngine,
      (adapter) => void send({ type: 'ocr', adapter: adapter.name }),
      { concurrency: Math.max(1, Math.floor(msg.slice.cores / of)) },
    ),
  );
  try {
    const result = await extractFromDocument(
      doc,
      {
        ...msg.options,
        pages: toIntervals(selected),
        // Pages leave the child as they are done, so its memory does not grow with the page count.
        // Pages leave as serialized, deflated bytes (see the `page` message), so the parent
        // holds them compactly.
        onPage: (page) =>
          void send({
            type: 'page',
            number: page.number,
            data: deflateRawSync(serialize(page), { level: 1 }),
          }),
        onProgress: (done, total) => void send({ type: 'progress', done, total }),
      },
      ocr,
      // The document just closed is garbage: collected now, while little else is alive, it
      // does not count in what the heap may grow to before the next full collection.
      () => {
        collectGarbage();
        return open();
      },
      large,
      feed,
      () => open(true),
    );
    if (index === 0 && !complete) {
      result.warnings.unshift({
        kind: 'recovered_damage',
        message: 'The file is truncated or damaged; the pages that survive were extracted',
      });
    }
    return {
      type: 'result',
      document: result.document,
      warnings: result.warnings,
      maxRssKb: maxRssKb(),
    };
  } finally {
    await ocr.close();
    await closeDocument(doc);
  }
}

/** A full collection, when the child runs with `--expose-gc` (the sandbox starts it so). */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

function toIntervals(pages: readonly number[]): PageInterval[] {
  const out: PageInterval[] = [];
  for (const p of pages) {
    const last = out.at(-1);
    if (last && last.to === p - 1) last.to = p;
    else out.push({ from: p, to: p });
  }
  return out;
}

useWholeStreamInflate();
// pdf.js's halves pass the text layer and operator list without cloning them (worker-port.ts).
useDirectWorkerPort();
// The same pdf.js in half the source text (see useMinifiedPdfjs).
useMinifiedPdfjs();
// A child that only reads text never loads the canvas library (see lazy-canvas.ts).
deferPdfjsCanvas();
// Glyph outlines only on a second handle, for pages drawn for OCR (see useTextOnlyFonts).
useTextOnlyFonts();
// One array per glyph position instead of three in pdf.js's text layer (see text-transform-patch.ts).
usePatchedTextTransform();
// pdf.js (both halves) loads while the request is on its way, or, for a child started
// ahead of its slice, while the first child opens the file.
void warmPdfjs().catch(() => undefined);

let started = false;
process.on('message', (raw: unknown) => {
  const msg = raw as ParentMessage | OcrGrantMessage | PagesMessage;
  if (msg.type === 'ocr-grant') {
    ocrGrants.get(msg.id)?.();
    ocrGrants.delete(msg.id);
    return;
  }
  if (msg.type === 'pages') {
    const answer = pagesAnswer;
    pagesAnswer = undefined;
    answer?.(msg);
    return;
  }
  // One request per child; the parent sends no other.
  if (started) return;
  started = true;
  void handle(msg)
    .catch((err: unknown): ChildMessage => {
      if (err instanceof DocatError && isErrorCode(err.code))
        return { type: 'error', code: err.code, message: err.message };
      // Anything unexpected while parsing untrusted bytes is treated as damage.
      return {
        type: 'error',
        code: 'PDF_CORRUPT',
        message: err instanceof Error ? err.message.slice(0, 200) : 'Unreadable PDF',
      };
    })
    .then(send)
    .finally(() => process.exit(0));
});
