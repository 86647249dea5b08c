import { Worker } from 'node:worker_threads';
import { DocatError, type FidelityReport, type JobWarning } from '@docat/contracts';
import { RENDER_THREAD_HEAP_MB } from '@docat/pdf';
import type {
  RenderInput,
  RenderReply,
  RenderRequest,
  RenderThreadData,
  StopRequest,
} from './render-thread.protocol.js';

export type { RenderInput } from './render-thread.protocol.js';

/**
 * The render thread's young generation. Left to V8, a thread with a 1024 MB heap may grow it
 * to 192 MB. Measured on a 294-page book (the translated PDF; the thread's process, CPU of
 * the same run beside it): peak RSS 814-818 MB at V8's default, 663 MB at 32 MB for 8% more
 * CPU, 658 MB at 12 MB for 22% more (many more collections, more objects promoted early).
 */
export const RENDER_THREAD_YOUNG_MB = 32;

/**
 * Limits of one render thread. The thread shares the process with the service (its queue
 * lease timer, health and metrics endpoints), so a document that needs more than this fails
 * its render instead of taking the process down.
 */
export interface RenderThreadLimits {
  /**
   * V8 old-generation heap of the thread, in MB. Rendering keeps the source file, the
   * parsed document, the fonts of the target script and the output in memory: a 50 MB
   * upload of a few hundred pages stays well below the default.
   */
  maxHeapMb: number;
  /** V8 young generation of the thread, in MB (see `RENDER_THREAD_YOUNG_MB`). */
  maxYoungMb: number;
  /**
   * Wall-clock limit of one render; past it the thread is stopped and the step fails
   * `PDF_TIMEOUT`. `Infinity`: none.
   */
  timeoutMs: number;
  /**
   * How long a stopped thread (cancelled, timed out, or done) has to end on its own before
   * it is terminated. It stops at its next page or step, well within this; only a step
   * that runs longer (writing out a very large PDF) is cut short.
   */
  stopGraceMs: number;
}

export const DEFAULT_RENDER_LIMITS: RenderThreadLimits = {
  maxHeapMb: RENDER_THREAD_HEAP_MB,
  maxYoungMb: RENDER_THREAD_YOUNG_MB,
  timeoutMs: 600_000,
  stopGraceMs: 30_000,
};

export interface RenderThreadOptions {
  signal?: AbortSignal;
  /** Told as each page is done, as `renderTranslatedPdf`'s `onPage`. */
  onPage?: (done: number, total: number) => void;
  limits?: Partial<RenderThreadLimits>;
  /**
   * Render below the normal scheduling priority (Linux), so that the starting thread's own
   * work (a service's queue lease, probes, metrics) gets the CPU first on a busy machine.
   */
  lowerPriority?: boolean;
  /** Called with the thread once it is started (for diagnostics and tests). */
  onWorker?: (worker: Worker) => void;
}

export interface RenderOutput {
  pdf: Uint8Array;
  /** Empty unless the input asked for the bilingual PDF. */
  dual: Uint8Array;
  warnings: JobWarning[];
  /**
   * The fidelity report: the translated PDF read back and compared with the layout and
   * translations. Absent when the input asked for none.
   */
  report?: FidelityReport;
}

const WORKER_URL = new URL('./render.worker.js', import.meta.url);

/**
 * Renders the translated PDF (and the bilingual one) in a worker thread, so the seconds
 * of CPU a long document takes do not stop the service's event loop.
 *
 * Each render gets a fresh thread, not a pooled one: renders are already limited by the
 * queue's concurrency (one per process by default), a thread starts in tens of
 * milliseconds next to renders of seconds, every byte it used is returned when it ends
 * (a large document leaves no grown heap behind), and cancelling, a timeout or a crash
 * is handled by stopping that one thread with no pool state to repair. The price is
 * that the target script's fonts are read again for each render.
 *
 * However the thread ends, the promise settles: the result, the renderer's own error,
 * `JOB_CANCELLED` on abort, `PDF_TIMEOUT`, `PDF_RESOURCE_LIMIT` when the heap limit is
 * reached, or `INTERNAL` ("the render thread stopped unexpectedly") when it dies
 * without a word, which the queue retries. It settles at once on abort or timeout; the
 * thread is asked to stop and ends on its own at its next page, and is terminated only
 * if it has not ended `stopGraceMs` later (a terminate that lands inside a zlib call can
 * abort the whole process, see render.worker.ts).
 */
export function renderInThread(
  input: RenderInput,
  options: RenderThreadOptions = {},
): Promise<RenderOutput> {
  const limits = { ...DEFAULT_RENDER_LIMITS, ...options.limits };
  const { signal, onPage } = options;
  return new Promise<RenderOutput>((resolve, reject) => {
    if (signal?.aborted)
      return reject(
        new DocatError('JOB_CANCELLED', 'The render was cancelled', { cause: signal.reason }),
      );
    // A view on part of a larger (or pooled) buffer cannot be handed over: copy it first.
    const source =
      input.source.byteOffset === 0 &&
      input.source.byteLength === input.source.buffer.byteLength &&
      input.source.buffer instanceof ArrayBuffer
        ? input.source
        : input.source.slice();
    const worker = new Worker(WORKER_URL, {
      resourceLimits: {
        maxOldGenerationSizeMb: limits.maxHeapMb,
        maxYoungGenerationSizeMb: limits.maxYoungMb,
      },
      // The thread needs none of the service's start-up flags (tracing preloads and the like).
      execArgv: [],
      name: 'docat-render',
      workerData: { lowerPriority: options.lowerPriority === true } satisfies RenderThreadData,
    });
    let settled = false;
    let exited = false;
    let stopping: DocatError | undefined;
    let fallback: NodeJS.Timeout | undefined;

    // The thread ends on its own after its reply or a stop; past the grace period it is
    // terminated. Settling does not wait for it: the caller is told at once.
    const windDown = () => {
      if (exited) return;
      const stop: StopRequest = { type: 'stop' };
      try {
        worker.postMessage(stop);
      } catch {
        // Not even a stop can be sent (the thread is going): the fallback ends it.
      }
      fallback = setTimeout(() => void worker.terminate(), limits.stopGraceMs);
      fallback.unref();
    };
    const settle = (outcome: { ok: RenderOutput } | { err: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      windDown();
      if ('ok' in outcome) resolve(outcome.ok);
      else reject(outcome.err);
    };
    const stop = (why: DocatError) => {
      stopping ??= why;
      // Settle now rather than on exit: the caller is told at once, and the thread's
      // exit, whenever it comes, finds the promise settled.
      settle({ err: stopping });
    };
    const onAbort = () =>
      stop(new DocatError('JOB_CANCELLED', 'The render was cancelled', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = Number.isFinite(limits.timeoutMs)
      ? setTimeout(
          () =>
            stop(
              new DocatError('PDF_TIMEOUT', `The render took longer than ${limits.timeoutMs} ms`),
            ),
          limits.timeoutMs,
        )
      : undefined;

    worker.on('message', (reply: RenderReply) => {
      if (reply.type === 'progress') {
        if (!settled) onPage?.(reply.done, reply.total);
      } else if (reply.type === 'result') {
        settle({
          ok: {
            pdf: reply.pdf,
            dual: reply.dual ?? new Uint8Array(),
            warnings: reply.warnings,
            ...(reply.report ? { report: reply.report } : {}),
          },
        });
      } else if (reply.code) {
        settle({ err: new DocatError(reply.code, reply.message) });
      } else {
        // An error of the renderer that is not a Docat one: as if it were thrown here.
        settle({ err: new Error(reply.message) });
      }
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        settle({
          err: new DocatError(
            'PDF_RESOURCE_LIMIT',
            `Rendering needed more than ${limits.maxHeapMb} MB of memory`,
            { cause: err },
          ),
        });
      } else {
        settle({
          err: new DocatError(
            'INTERNAL',
            `The render thread stopped unexpectedly: ${err.message}`,
            { cause: err },
          ),
        });
      }
    });
    worker.on('messageerror', (err) => {
      settle({
        err: new DocatError('INTERNAL', 'The render thread sent a message that could not be read', {
          cause: err,
        }),
      });
    });
    worker.on('exit', (code) => {
      exited = true;
      clearTimeout(fallback);
      settle({
        err: new DocatError(
          'INTERNAL',
          `The render thread stopped unexpectedly (exit code ${code})`,
        ),
      });
    });

    options.onWorker?.(worker);
    const request: RenderRequest = {
      type: 'render',
      source,
      layout: input.layout,
      translations: input.translations,
      targetLanguage: input.targetLanguage,
      ...(input.password !== undefined ? { password: input.password } : {}),
      ...(input.dual ? { dual: input.dual } : {}),
      ...(input.keepActiveContent ? { keepActiveContent: true } : {}),
      report: input.report !== false,
    };
    try {
      worker.postMessage(request, [source.buffer as ArrayBuffer]);
    } catch (err) {
      settle({
        err: new DocatError('INTERNAL', 'The render thread could not be given its input', {
          cause: err,
        }),
      });
    }
  });
}
