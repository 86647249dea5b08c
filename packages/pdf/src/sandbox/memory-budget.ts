/**
 * The extraction process's memory, worst case by worst case. The pod's memory limit must
 * hold their sum (the deployment's tests check it): a chunk being extracted and a render
 * may run at the same time in one replica.
 */

/** Resident set of one sandbox child, its OCR processes included; past it the child is killed. */
export const SANDBOX_CHILD_RSS_MB = 768;
/**
 * V8 heap of a sandbox child: far above a page's live objects (tens of MB; decoded images
 * live outside the heap). Measured on a 300-page book: a 256 MB cap spent a fifth of the
 * child's time collecting garbage and saved little resident memory.
 */
export const SANDBOX_CHILD_HEAP_MB = 512;
/**
 * V8's young generation per semi-space of a sandbox child. Node's default lets it grow to
 * tens of MB, which a child parsing page after page fills and keeps: measured on a generated
 * 1,000-page book in one process, peak RSS 327 MB at the default, 229 MB at 8, 203 MB at 4,
 * at the same CPU time within 4%.
 */
export const SANDBOX_CHILD_SEMI_SPACE_MB = 4;
/**
 * The young generation of the children of an extraction of at most SHORT_DOCUMENT_PAGES
 * pages (told from the file's page tree before they start, or from the first child's split).
 * Each collection of the young generation costs about what survives it, so a larger one
 * collects less often for about the same work each time: on a 300-page book the children
 * spend less CPU in the collector. It costs memory, and the children's peaks grow with the
 * pages they read: measured for the whole command, 330 / 355 MB (4 / 8 MB) at 350 generated
 * pages, about 380 / 405 MB at 1,000, against a 400 MB target (see ADR 0009).
 */
export const SANDBOX_CHILD_SEMI_SPACE_MB_SHORT = 8;
/** Documents of at most this many selected pages get SANDBOX_CHILD_SEMI_SPACE_MB_SHORT. */
export const SHORT_DOCUMENT_PAGES = 500;
/**
 * How far a sandbox child's old generation may grow past what survived the last full
 * collection before the next one, in percent (V8's `--heap-growing-percent`). Left to V8, a
 * 512 MB heap cap allows only about 40% (V8 scales the factor with the cap, up to 300% from
 * a 2 GB cap), so a child reading a book ran a full collection every few pages: 17 in 150
 * pages of the bench's book against 6 without the cap. At 100% (10) the book takes about 15%
 * less CPU, its largest child 15 to 60 MB more; the garbage of a document closed at a reopen
 * is collected at once, so 1,000 generated pages stay where they were (see ADR 0009).
 */
export const SANDBOX_CHILD_HEAP_GROWING_PERCENT = 100;
/** Children one extraction splits its pages over (at most; fewer on a one-core machine). */
export const SANDBOX_CHILDREN = 2;
/** V8 heap of the render thread. */
export const RENDER_THREAD_HEAP_MB = 1024;
/**
 * Render memory outside that heap: the source file and the output PDFs are ArrayBuffers
 * (uploads are at most 50 MB), plus fonts being subset.
 */
export const RENDER_THREAD_OFF_HEAP_MB = 256;
/** The service itself: Node, NestJS, the queue and storage clients, the chunk layout being written. */
export const SERVICE_PROCESS_MB = 384;

export interface MemoryBudget {
  service: number;
  renderThread: number;
  sandbox: number;
  total: number;
}

/** Worst case of one extraction replica in MB, by part. */
export function extractionMemoryBudget(): MemoryBudget {
  const renderThread = RENDER_THREAD_HEAP_MB + RENDER_THREAD_OFF_HEAP_MB;
  const sandbox = SANDBOX_CHILD_RSS_MB * SANDBOX_CHILDREN;
  return {
    service: SERVICE_PROCESS_MB,
    renderThread,
    sandbox,
    total: SERVICE_PROCESS_MB + renderThread + sandbox,
  };
}
