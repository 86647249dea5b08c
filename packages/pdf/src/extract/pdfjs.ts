import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { brotliDecompressSync, inflateRawSync, inflateSync, gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { DocatError } from '@docat/contracts/core';
import { DirectWorkerPort } from './worker-port.js';
import type { PDFDocumentLoadingTask, PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';

export type PdfjsModule = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
type PDFWorker = InstanceType<PdfjsModule['PDFWorker']>;
type PDFWorkerPort = NonNullable<ConstructorParameters<PdfjsModule['PDFWorker']>[0]>['port'];
/** The worker half's entry point (pdf.worker.mjs has no type declarations of its own). */
interface PdfjsWorkerModule {
  WorkerMessageHandler: { initializeFromPort(port: DirectWorkerPort): void };
}
export type { PDFDocumentProxy, PDFDocumentLoadingTask };

const require = createRequire(import.meta.url);
const pdfjsRoot = dirname(require.resolve('pdfjs-dist/package.json'));

/** Folder URLs inside the installed pdfjs-dist; pdf.js reads them with fetch or fs. */
function assetDir(name: string): string {
  // pdf.js in Node accepts plain filesystem paths and requires the trailing slash.
  return join(pdfjsRoot, name) + '/';
}

let pdfjsPromise: Promise<PdfjsModule> | undefined;
/** Which files of pdf.js's legacy build this process loads (see `useMinifiedPdfjs`). */
let build = { main: 'legacy/build/pdf.mjs', worker: 'legacy/build/pdf.worker.mjs' };

/**
 * Load pdf.js's minified legacy build in this process instead of the readable one: the same
 * code, in half the source text, which V8 keeps in memory for the process's life (about 4 MB
 * less per process; more resident memory is saved as less is parsed). For the sandbox
 * children, whose stack traces nobody reads; call it before pdf.js is first loaded.
 */
export function useMinifiedPdfjs(): void {
  if (pdfjsPromise) throw new Error('pdf.js is already loaded');
  build = { main: 'legacy/build/pdf.min.mjs', worker: 'legacy/build/pdf.worker.min.mjs' };
}

/** URL of one of pdf.js's files in the build this process loads. */
export function pdfjsFileUrl(part: 'main' | 'worker'): string {
  return pathToFileURL(join(pdfjsRoot, build[part])).href;
}

/** pdf.js's legacy build (the one meant for Node), loaded once per process. */
export function loadPdfjs(): Promise<PdfjsModule> {
  pdfjsPromise ??= (import(pdfjsFileUrl('main')) as Promise<PdfjsModule>).then((pdfjs) => {
    // The worker half pdf.js imports on the first document: the one of the same build, which
    // `warmPdfjs` may already have loaded (pdf.js's own default is the readable file).
    pdfjs.GlobalWorkerOptions.workerSrc = pdfjsFileUrl('worker');
    return pdfjs;
  });
  return pdfjsPromise;
}

/**
 * Load pdf.js and its worker half (which pdf.js itself imports on the first document), so
 * a process can compile both before it has a document to open.
 */
export async function warmPdfjs(): Promise<void> {
  await Promise.all([loadPdfjs(), loadWorkerHalf()]);
}

function loadWorkerHalf(): Promise<PdfjsWorkerModule> {
  return import(pdfjsFileUrl('worker')) as Promise<PdfjsWorkerModule>;
}

let directPort = false;

/**
 * Connect pdf.js's two halves in this process through a `DirectWorkerPort`, which hands
 * the text layer and the operator list over without a structured clone (see
 * worker-port.ts), instead of pdf.js's own `LoopbackPort`. For the sandbox children.
 */
export function useDirectWorkerPort(on = true): void {
  directPort = on;
}

/** A worker half of its own for one document, on a `DirectWorkerPort`. */
async function directWorker(pdfjs: PdfjsModule): Promise<PDFWorker> {
  const { WorkerMessageHandler } = await loadWorkerHalf();
  const port = new DirectWorkerPort();
  WorkerMessageHandler.initializeFromPort(port);
  return new pdfjs.PDFWorker({ port: port as unknown as PDFWorkerPort, verbosity: 0 });
}

const SYNC_DECODERS: Record<string, (data: Buffer) => Buffer> = {
  deflate: inflateSync,
  'deflate-raw': inflateRawSync,
  gzip: gunzipSync,
  brotli: brotliDecompressSync,
};

/**
 * A `DecompressionStream` that inflates the whole input at once when it is closed, as
 * pdf.js uses it: it writes a stream's bytes, closes, and reads the result. Node's own goes
 * through zlib's thread pool in small chunks behind web streams, which on a book costs more
 * than the inflating itself. A failure errors the readable side, as the platform's does,
 * and pdf.js then decodes the stream itself (damaged or truncated data).
 */
class WholeDecompressionStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;

  constructor(format: string) {
    const decode = SYNC_DECODERS[format];
    if (!decode) throw new TypeError(`Unsupported compression format: '${format}'`);
    const parts: Uint8Array[] = [];
    let out!: ReadableStreamDefaultController<Uint8Array>;
    this.readable = new ReadableStream<Uint8Array>({ start: (c) => void (out = c) });
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => void parts.push(chunk),
      close: () => {
        try {
          const input = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
          const data = decode(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
          // A small result is a slice of Node's shared 8 KB pool: pdf.js may keep the bytes,
          // so they get their own buffer rather than holding the whole slab.
          out.enqueue(
            data.byteLength === data.buffer.byteLength
              ? new Uint8Array(data.buffer)
              : new Uint8Array(data),
          );
          out.close();
        } catch (err) {
          out.error(err);
        }
      },
      abort: (reason) => out.error(reason),
    });
  }
}

/**
 * Have pdf.js (in this process) inflate streams in one synchronous call each. For the
 * sandbox child, which does nothing else while a page is read; the file's streams were
 * already checked against the size caps before pdf.js sees it.
 */
export function useWholeStreamInflate(): void {
  globalThis.DecompressionStream =
    WholeDecompressionStream as unknown as typeof DecompressionStream;
}

/** A font face as pdf.js loads one, loaded at once and used by nothing. */
class InertFontFace {
  readonly loaded: Promise<this>;
  constructor(readonly family: string) {
    this.loaded = Promise.resolve(this);
  }
}

type OwnerDocument = NonNullable<
  Extract<Parameters<PdfjsModule['getDocument']>[0], { ownerDocument?: unknown }>['ownerDocument']
>;

/** The `ownerDocument` pdf.js loads font faces into: only its `fonts` set is used. */
const INERT_FONT_DOCUMENT = { fonts: { add: () => undefined, delete: () => false } };

let textOnlyFonts = false;

/**
 * What pdf.js in Node does with a font by default (`disableFontFace`): its worker half builds
 * the outline of every glyph shown, on every operator-list read, and sends each one over, so
 * that a page can be drawn with paths. A process reading text never draws with them. After
 * `useTextOnlyFonts`, documents open without the outlines unless `glyphOutlines` is asked for:
 * pdf.js is told that fonts load as font faces, into a font set that keeps nothing and faces
 * that are at once loaded. The text layer, the operator list and the font objects are the
 * same; only the outlines are missing, so a page that is drawn must come from a document
 * opened with `glyphOutlines` (drawn from one without, its text would be in the canvas's
 * fallback face). For the sandbox children; it sets a global `FontFace`, which nothing else
 * in Node has.
 */
export function useTextOnlyFonts(on = true): void {
  if (on) (globalThis as { FontFace?: unknown }).FontFace ??= InertFontFace;
  textOnlyFonts = on;
}

export interface OpenOptions {
  password?: string;
  /**
   * Build glyph outlines, which drawing the page needs (pdf.js's default in Node). Only a
   * process that called `useTextOnlyFonts` opens documents without them, unless this is set.
   */
  glyphOutlines?: boolean;
  /** Keep font names and flags on exported fonts (costs a little memory). */
  fontExtraProperties?: boolean;
  /**
   * Refuse (PDF_COPY_PROTECTED) a document whose permissions forbid copying text,
   * unless it was opened with its owner password. Default true; the deployment's
   * RESPECT_PDF_PERMISSIONS=false turns it off. The content engine's `openPdf` applies
   * the same rule, so extraction and rendering agree.
   */
  respectPermissions?: boolean;
  /**
   * Images of more pixels are left out of operator lists and renderings instead of being
   * decoded (pdf.js's own bound); none by default. Extraction sets LARGE_IMAGE_PIXELS.
   */
  maxImageSize?: number;
  /**
   * Hand `bytes` themselves to pdf.js, which detaches them, instead of a copy: the caller
   * must not use them again. Saves a second copy of the file while it opens. Ignored with a
   * password (the owner-password check reads the bytes once the document is open).
   */
  transfer?: boolean;
}

/** Bit 5 of /P (ISO 32000-2, Table 22): copy or extract text and graphics. */
async function assertCopyAllowed(
  doc: PDFDocumentProxy,
  bytes: Uint8Array,
  password: string | undefined,
  pdfjs: PdfjsModule,
): Promise<void> {
  const permissions = await doc.getPermissions();
  if (!permissions || permissions.has(pdfjs.PermissionFlag.COPY)) return;
  // pdf.js does not say which password opened the file; only the owner's lifts the restriction.
  if (password) {
    // Loaded here only: pdf-lib costs a quarter of a second to load in every sandbox child.
    const { parseAndDecrypt } = await import('../crypto/decrypt-document.js');
    const { encryption } = await parseAndDecrypt(bytes, { password });
    if (encryption?.openedAsOwner) return;
  }
  throw new DocatError('PDF_COPY_PROTECTED');
}

/**
 * Open a document with settings safe for untrusted input: no eval, no font-face
 * injection, no system fonts, every asset read from the installed package.
 * pdf.js failures become the matching DocatError.
 */
export async function openDocument(
  bytes: Uint8Array,
  opts: OpenOptions = {},
): Promise<PDFDocumentProxy> {
  const pdfjs = await loadPdfjs();
  if (bytes.byteLength === 0) throw new DocatError('PDF_CORRUPT', 'The file is empty');
  const worker = directPort ? await directWorker(pdfjs) : undefined;
  const task = pdfjs.getDocument({
    ...(worker ? { worker } : {}),
    // pdf.js transfers (detaches) the buffer it is given; hand it a copy unless told not to.
    data: opts.transfer && !opts.password ? bytes : bytes.slice(),
    password: opts.password,
    cMapUrl: assetDir('cmaps'),
    cMapPacked: true,
    standardFontDataUrl: assetDir('standard_fonts'),
    wasmUrl: assetDir('wasm'),
    iccUrl: assetDir('iccs'),
    ...(textOnlyFonts && !opts.glyphOutlines
      ? { disableFontFace: false, ownerDocument: INERT_FONT_DOCUMENT as unknown as OwnerDocument }
      : { disableFontFace: true }),
    useSystemFonts: false,
    fontExtraProperties: opts.fontExtraProperties ?? true,
    ...(opts.maxImageSize ? { maxImageSize: opts.maxImageSize } : {}),
    verbosity: 0,
  });
  try {
    const doc = await task.promise;
    tasks.set(doc, { task, worker });
    if (opts.respectPermissions ?? true) await assertCopyAllowed(doc, bytes, opts.password, pdfjs);
    return doc;
  } catch (err) {
    // Opening already failed with `err`, rethrown below; a failed clean-up would hide it.
    await task.destroy().catch(() => undefined);
    worker?.destroy();
    if (err instanceof DocatError) throw err;
    throw mapPdfjsError(err, opts.password);
  }
}

const tasks = new WeakMap<
  PDFDocumentProxy,
  { task: PDFDocumentLoadingTask; worker: PDFWorker | undefined }
>();

/** Release a document opened with `openDocument` (its worker-side state included). */
export async function closeDocument(doc: PDFDocumentProxy): Promise<void> {
  const opened = tasks.get(doc);
  if (!opened) return;
  try {
    await opened.task.destroy();
  } finally {
    // A worker given to pdf.js is the caller's to end (pdf.js ends only its own).
    opened.worker?.destroy();
  }
}

/** Translate an error thrown by pdf.js while opening or reading a document. */
export function mapPdfjsError(err: unknown, password?: string): DocatError {
  if (err instanceof DocatError) return err;
  const name = err instanceof Error ? err.name : '';
  const code =
    typeof err === 'object' && err !== null && 'code' in err
      ? (err as { code: unknown }).code
      : undefined;
  if (name === 'PasswordException') {
    // pdf.js: 1 = NEED_PASSWORD, 2 = INCORRECT_PASSWORD.
    if (code === 2 || (password !== undefined && password !== '')) {
      return new DocatError('PDF_PASSWORD_INVALID', undefined, { cause: err });
    }
    return new DocatError('PDF_PASSWORD_REQUIRED', undefined, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DocatError('PDF_CORRUPT', message.slice(0, 200), { cause: err });
}
