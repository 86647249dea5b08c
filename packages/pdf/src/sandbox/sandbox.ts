import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DocatError, type JobWarning, type LayoutDocument, type Page } from '@docat/contracts';
import { finalizeDocument } from '../layout/document-level.js';
import type { ExtractOptions } from '../extract/extract-layout.js';
import type { OcrAdapterName } from '../ocr/ocr-adapter.js';
import type {
  ChildExtractOptions,
  ChildInput,
  ChildMessage,
  ParentMessage,
  ProbeResult,
  SandboxLimits,
} from './sandbox.protocol.js';

export type { SandboxLimits, ProbeResult } from './sandbox.protocol.js';

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  timeoutMs: 300_000,
  maxRssMb: 1536,
  maxPages: 500,
  maxDecompressedBytes: 2 * 1024 ** 3,
};

export interface SandboxResult {
  document: LayoutDocument;
  warnings: JobWarning[];
  /** Highest resident set of the child and its OCR processes, in MB (the watchdog's, or the child's own report). */
  peakRssMb: number;
  /** The OCR engine the child used, when a page needed OCR. */
  ocrAdapter?: OcrAdapterName;
}

const CHILD_ENTRY = fileURLToPath(new URL('./sandbox.child.js', import.meta.url));
const WATCH_INTERVAL_MS = 25;

function rssKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /VmRSS:\s+(\d+)\s*kB/.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function toInput(source: Uint8Array | string): ChildInput {
  return typeof source === 'string' ? { path: source } : { bytes: source };
}

interface RunOutcome {
  message: Extract<ChildMessage, { type: 'result' | 'probe' }>;
  pages: Page[];
  peakRssKb: number;
  ocrAdapter?: OcrAdapterName;
}

/**
 * Run one request in a fresh child process. The child is killed when it passes the
 * time or memory limit; however it ends, the caller gets a result or a DocatError,
 * never a crash of its own.
 */
function runChild(
  request: ParentMessage,
  limits: SandboxLimits,
  signal: AbortSignal | undefined,
  onProgress: ((done: number, total: number) => void) | undefined,
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    // The V8 heap cap makes most runaway allocations end in a clean OOM exit; the RSS
    // watchdog covers memory outside the heap (decoded images, canvas, wasm).
    const heapMb = Math.max(64, Math.floor(limits.maxRssMb * 0.75));
    const child: ChildProcess = fork(CHILD_ENTRY, [], {
      serialization: 'advanced',
      execArgv: [`--max-old-space-size=${heapMb}`],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    let settled = false;
    let reason: 'timeout' | 'memory' | 'aborted' | undefined;
    let peak = 0;
    let outcome: RunOutcome['message'] | undefined;
    let failure: DocatError | undefined;
    let ocrAdapter: OcrAdapterName | undefined;
    const pages: Page[] = [];

    const kill = (why: typeof reason) => {
      reason ??= why;
      child.kill('SIGKILL');
    };
    const watchdog = setInterval(() => {
      if (child.pid === undefined) return;
      const kb = rssKb(child.pid);
      if (kb === undefined) return;
      peak = Math.max(peak, kb);
      if (kb > limits.maxRssMb * 1024) kill('memory');
    }, WATCH_INTERVAL_MS);
    const timer = setTimeout(() => kill('timeout'), limits.timeoutMs);
    const onAbort = () => kill('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (reason === 'timeout')
        return reject(new DocatError('PDF_TIMEOUT', `No result within ${limits.timeoutMs} ms`));
      if (reason === 'memory')
        return reject(
          new DocatError('PDF_RESOURCE_LIMIT', `Needed more than ${limits.maxRssMb} MB`),
        );
      if (reason === 'aborted') return reject(new DocatError('JOB_CANCELLED'));
      if (failure) return reject(failure);
      if (outcome)
        return resolve({
          message: outcome,
          pages,
          peakRssKb: Math.max(peak, outcome.maxRssKb),
          ...(ocrAdapter ? { ocrAdapter } : {}),
        });
      // Died without a word: out of heap (SIGABRT / exit 134) or a crash in native code.
      return reject(
        new DocatError('PDF_RESOURCE_LIMIT', 'The parser ran out of memory or crashed'),
      );
    };

    child.on('message', (raw: unknown) => {
      const msg = raw as ChildMessage;
      if (msg.type === 'progress') onProgress?.(msg.done, msg.total);
      else if (msg.type === 'ocr') ocrAdapter = msg.adapter;
      else if (msg.type === 'page') pages.push(msg.page);
      else if (msg.type === 'error') failure = new DocatError(msg.code, msg.message);
      else outcome = msg;
    });
    child.on('error', (err) => {
      failure ??= new DocatError('INTERNAL', 'The sandbox could not start', { cause: err });
      finish();
    });
    child.on('exit', finish);
    child.send(request, (err) => {
      if (err) kill('memory');
    });
  });
}

function childOptions(opts: ExtractOptions): ChildExtractOptions {
  const {
    password,
    respectPermissions,
    pages,
    sourceLanguage,
    ocr,
    detail,
    documentLevel,
    ocrDpi,
    ocrEngine,
  } = opts;
  return {
    password,
    respectPermissions,
    pages,
    sourceLanguage,
    ocr,
    detail,
    documentLevel,
    ocrDpi,
    ocrEngine,
  };
}

/** `extractLayout` in a child process under `limits`; see DEFAULT_SANDBOX_LIMITS. */
export async function extractInSandbox(
  source: Uint8Array | string,
  opts: ExtractOptions = {},
  limits: Partial<SandboxLimits> = {},
): Promise<SandboxResult> {
  const all = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
  const { message, pages, peakRssKb } = await runChild(
    { type: 'extract', input: toInput(source), options: childOptions(opts), limits: all },
    all,
    opts.signal,
    opts.onProgress,
  );
  if (message.type !== 'result') throw new DocatError('INTERNAL', 'Unexpected sandbox reply');
  const document: LayoutDocument = { ...message.document, pages };
  return {
    document: opts.documentLevel === false ? document : finalizeDocument(document),
    warnings: message.warnings,
    peakRssMb: Math.round(peakRssKb / 102.4) / 10,
  };
}

/** Page count, encryption and OCR candidates, read in the sandbox (cheap: no layout, no OCR). */
export async function probePdf(
  source: Uint8Array | string,
  opts: { password?: string; respectPermissions?: boolean } = {},
  limits: Partial<SandboxLimits> = {},
): Promise<ProbeResult> {
  const all = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
  const { message } = await runChild(
    { type: 'probe', input: toInput(source), options: opts, limits: all },
    all,
    undefined,
    undefined,
  );
  if (message.type !== 'probe') throw new DocatError('INTERNAL', 'Unexpected sandbox reply');
  return message.probe;
}
