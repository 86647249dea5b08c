import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize } from 'node:v8';
import { inflateRawSync } from 'node:zlib';
import { DocatError, selectedPageNumbers } from '@docat/contracts/core';
import type { JobWarning, LayoutDocument, Page } from '@docat/contracts';
import { pageTreeCount } from '../page-tree/page-tree-count.js';
import { finalizeDocument } from '../layout/document-level.js';
import type { ExtractOptions } from '../extract/extract-layout.js';
import type { OcrAdapterName } from '../ocr/ocr-adapter.js';
import {
  SANDBOX_CHILD_HEAP_MB,
  SANDBOX_CHILD_RSS_MB,
  SANDBOX_CHILD_SEMI_SPACE_MB,
  SANDBOX_CHILD_SEMI_SPACE_MB_SHORT,
  SHORT_DOCUMENT_PAGES,
  SANDBOX_CHILD_HEAP_GROWING_PERCENT,
  SANDBOX_CHILDREN,
} from './memory-budget.js';
import { MIN_PAGES_PER_CHILD } from './sandbox.protocol.js';
import { lowerPriority, ocrBudget, type Release } from './ocr-budget.js';
import type {
  ChildExtractOptions,
  ChildInput,
  ChildMessage,
  PageSlice,
  OcrGrantMessage,
  PagesMessage,
  ParentMessage,
  ProbeResult,
  SandboxLimits,
} from './sandbox.protocol.js';

export type { SandboxLimits, ProbeResult } from './sandbox.protocol.js';

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  timeoutMs: 300_000,
  maxRssMb: SANDBOX_CHILD_RSS_MB,
  maxPages: 500,
  maxDecompressedBytes: 2 * 1024 ** 3,
  // One content stream, font or image decoded to more than this is a bomb, not a page.
  maxStreamBytes: 256 * 1024 ** 2,
  maxChildren: SANDBOX_CHILDREN,
};

export interface SandboxResult {
  document: LayoutDocument;
  warnings: JobWarning[];
  /**
   * Highest resident set in MB of the sandbox: the children (with their OCR processes)
   * that ran at once, added up.
   */
  peakRssMb: number;
  /** Highest resident set of any one child (with its OCR processes), in MB. */
  peakRssMbPerChild: number;
  /** Children the pages were split over. */
  children: number;
  /** Pages each child laid out (the first child first). */
  pagesPerChild: number[];
  /** The OCR engine used, when a page needed OCR. */
  ocrAdapter?: OcrAdapterName;
}

const CHILD_ENTRY = fileURLToPath(new URL('./sandbox.child.js', import.meta.url));
/**
 * Children keep compiled code in Node's on-disk compile cache: pdf.js and the layout code
 * then start in a fraction of the time (each document starts one or two fresh children).
 */
function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache'),
    // The operator's own tunables come last and win.
    GLIBC_TUNABLES: [CHILD_MALLOC_TUNABLES, process.env.GLIBC_TUNABLES].filter(Boolean).join(':'),
  };
}

/**
 * glibc's allocator in a child (other C libraries ignore the variable). A child frees most
 * of what it allocates outside the V8 heap page after page (inflated streams, fonts, pdf.js's
 * buffers), but by default glibc keeps up to eight arenas per core, and after a large buffer
 * is freed it raises its mmap and trim thresholds, so later large buffers are carved from the
 * heap and what they leave is not returned. Two arenas and a fixed 128 KB trim threshold
 * (which also keeps the mmap threshold fixed) give it back; measured in ADR 0009.
 */
const CHILD_MALLOC_TUNABLES = 'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072';
const WATCH_INTERVAL_MS = 25;
/** Fewest pages a child of a split is handed at a time (see `onNext`). */
const MIN_BATCH = 4;

function statusRssKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /VmRSS:\s+(\d+)\s*kB/.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Resident set of a process and all its descendants (the native OCR processes a child starts). */
function treeRssKb(pid: number): number | undefined {
  const own = statusRssKb(pid);
  if (own === undefined) return undefined;
  return childPids(pid).reduce((sum, c) => sum + (treeRssKb(c) ?? 0), own);
}

function toInput(source: Uint8Array | string): ChildInput {
  return typeof source === 'string' ? { path: source } : { bytes: source };
}

/** Largest layout of one page, serialized, that the parent accepts from a child. */
const MAX_PAGE_MESSAGE_BYTES = 64 * 2 ** 20;

/** A page as a child sent it: serialized, built into objects once a child has finished (see `PageBuilder`). */
export interface SerializedPage {
  number: number;
  data: Uint8Array;
}

interface RunOutcome {
  message: Extract<ChildMessage, { type: 'result' | 'probe' }>;
  /** Pages this child sent (each handed to `RunHooks.onPage` as it came). */
  pageCount: number;
  peakRssKb: number;
  ocrAdapter?: OcrAdapterName;
}

interface RunHooks {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** The child split the pages: start the other children. */
  onSplit?: (of: number, selected: number) => void;
  /** The child asks for its next batch of pages. */
  onNext?: () => PagesMessage;
  /** Registered so a sibling's failure can stop this child. */
  onStart?: (stop: (why: DocatError) => void) => void;
  /** The extraction this child works for: its OCR runs are counted together in the process's budget. */
  ocrGroup?: object;
  /** A page the child sent, serialized. */
  onPage?: (page: SerializedPage) => void;
  /** Young generation of the child (`--max-semi-space-size`); SANDBOX_CHILD_SEMI_SPACE_MB by default. */
  semiSpaceMb?: number;
}

/**
 * Run one request in a fresh child process. The child is killed when it passes the
 * time or memory limit; however it ends, the caller gets a result or a DocatError,
 * never a crash of its own.
 */
function forkChild(limits: SandboxLimits, semiSpaceMb = SANDBOX_CHILD_SEMI_SPACE_MB): ChildProcess {
  // The V8 heap cap makes most runaway allocations end in a clean OOM exit; the RSS
  // watchdog covers memory outside the heap (decoded images, canvas, wasm, OCR processes).
  const heapMb = Math.max(64, Math.min(SANDBOX_CHILD_HEAP_MB, Math.floor(limits.maxRssMb * 0.75)));
  return fork(CHILD_ENTRY, [], {
    serialization: 'advanced',
    execArgv: [
      `--max-old-space-size=${heapMb}`,
      `--max-semi-space-size=${semiSpaceMb}`,
      // A child given less than the full heap (the upload probe) keeps V8's own, more frugal growth.
      ...(heapMb >= SANDBOX_CHILD_HEAP_MB
        ? [`--heap-growing-percent=${SANDBOX_CHILD_HEAP_GROWING_PERCENT}`]
        : []),
      // The child collects a closed document's garbage before it reopens (see `reopen`).
      '--expose-gc',
      // A parent run under the CPU profiler profiles its children too (into the same folder).
      ...process.execArgv.filter((a) => a.startsWith('--cpu-prof')),
    ],
    env: childEnv(),
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
}

/**
 * A child started before it has work: it loads pdf.js and the layout code while the first
 * child checks and opens the file, and takes a slice as soon as the split is known.
 * `take` hands it over (once); `discard` ends it when no split comes.
 */
class StandbyChild {
  private child: ChildProcess | undefined;

  constructor(limits: SandboxLimits, semiSpaceMb?: number) {
    this.child = forkChild(limits, semiSpaceMb);
    // Not yet watched: a child that dies before it is taken is simply not used.
    this.child.on('error', () => undefined);
  }

  take(): ChildProcess | undefined {
    const c = this.child;
    this.child = undefined;
    return c && c.exitCode === null && c.signalCode === null && c.connected ? c : undefined;
  }

  discard(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}

function runChild(
  request: ParentMessage,
  limits: SandboxLimits,
  hooks: RunHooks = {},
  prepared?: ChildProcess,
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    if (hooks.signal?.aborted) prepared?.kill('SIGKILL');
    hooks.signal?.throwIfAborted();
    const child: ChildProcess = prepared ?? forkChild(limits, hooks.semiSpaceMb);
    let settled = false;
    let reason: 'timeout' | 'memory' | 'aborted' | 'sibling' | undefined;
    let siblingError: DocatError | undefined;
    let peak = 0;
    let outcome: RunOutcome['message'] | undefined;
    let failure: DocatError | undefined;
    let ocrAdapter: OcrAdapterName | undefined;
    let pageCount = 0;
    // OCR runs of this child in the process's budget: asked for, and granted.
    const ocrGroup = hooks.ocrGroup ?? {};
    const ocrWaiting = new Map<number, () => void>();
    const ocrGranted = new Map<number, Release>();
    let lowered = false;
    // Before it draws its first page for OCR, or at the latest its first OCR run, the child
    // steps down (see `OcrBudget.nice`): from then on it works for OCR, and its OCR
    // processes and threads take its priority.
    const lower = () => {
      if (!lowered && child.pid !== undefined) {
        lowered = true;
        lowerPriority(child.pid, ocrBudget.nice);
      }
    };
    const ocrRequest = (id: number) => {
      lower();
      const withdraw = ocrBudget.request(ocrGroup, (release) => {
        ocrWaiting.delete(id);
        if (settled || !child.connected) return release();
        ocrGranted.set(id, release);
        const grant: OcrGrantMessage = { type: 'ocr-grant', id };
        child.send(grant, (err) => {
          if (err) ocrRelease(id);
        });
      });
      if (!ocrGranted.has(id)) ocrWaiting.set(id, withdraw);
    };
    const ocrRelease = (id: number) => {
      ocrGranted.get(id)?.();
      ocrGranted.delete(id);
    };

    const kill = (why: typeof reason) => {
      reason ??= why;
      child.kill('SIGKILL');
    };
    hooks.onStart?.((err) => {
      siblingError = err;
      kill('sibling');
    });
    const watchdog = setInterval(() => {
      if (child.pid === undefined) return;
      const kb = treeRssKb(child.pid);
      if (kb === undefined) return;
      peak = Math.max(peak, kb);
      if (kb > limits.maxRssMb * 1024) kill('memory');
    }, WATCH_INTERVAL_MS);
    const timer = setTimeout(() => kill('timeout'), limits.timeoutMs);
    const onAbort = () => kill('aborted');
    hooks.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      if (settled) return;
      settled = true;
      // However the child ended, its OCR runs are over.
      for (const withdraw of ocrWaiting.values()) withdraw();
      for (const id of [...ocrGranted.keys()]) ocrRelease(id);
      clearInterval(watchdog);
      clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', onAbort);
      if (reason === 'timeout')
        return reject(new DocatError('PDF_TIMEOUT', `No result within ${limits.timeoutMs} ms`));
      if (reason === 'memory')
        return reject(
          new DocatError('PDF_RESOURCE_LIMIT', `Needed more than ${limits.maxRssMb} MB`),
        );
      if (reason === 'aborted') return reject(new DocatError('JOB_CANCELLED'));
      if (reason === 'sibling') return reject(siblingError!);
      if (failure) return reject(failure);
      if (outcome) {
        return resolve({
          message: outcome,
          pageCount,
          peakRssKb: Math.max(peak, outcome.maxRssKb),
          ...(ocrAdapter ? { ocrAdapter } : {}),
        });
      }
      // Died without a word: out of heap (SIGABRT / exit 134) or a crash in native code.
      return reject(
        new DocatError('PDF_RESOURCE_LIMIT', 'The parser ran out of memory or crashed'),
      );
    };

    child.on('message', (raw: unknown) => {
      const msg = raw as ChildMessage;
      if (msg.type === 'progress') hooks.onProgress?.(msg.done, msg.total);
      else if (msg.type === 'split') hooks.onSplit?.(msg.of, msg.selected);
      else if (msg.type === 'next') {
        const pages = hooks.onNext?.() ?? { type: 'pages', from: 0, to: 0, left: 0 };
        child.send(pages, (err) => {
          if (err) kill('memory');
        });
      } else if (msg.type === 'ocr') ocrAdapter = msg.adapter;
      else if (msg.type === 'ocr-prepare') lower();
      else if (msg.type === 'ocr-request') ocrRequest(msg.id);
      else if (msg.type === 'ocr-release') ocrRelease(msg.id);
      else if (msg.type === 'page') {
        pageCount++;
        // A copy: the bytes as received are a view into the channel's read buffer.
        hooks.onPage?.({ number: msg.number, data: new Uint8Array(msg.data) });
      } else if (msg.type === 'error') failure = new DocatError(msg.code, msg.message);
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

/** A page as a child sent it, built into objects: inflated (within a bound) and deserialized. */
function buildPage(page: SerializedPage): Page {
  let data: Buffer;
  try {
    // A child's message is untrusted like the PDF it read: its page may not inflate past a bound.
    data = inflateRawSync(page.data, { maxOutputLength: MAX_PAGE_MESSAGE_BYTES });
  } catch {
    throw new DocatError(
      'PDF_RESOURCE_LIMIT',
      `Page ${page.number}'s layout is larger than ${MAX_PAGE_MESSAGE_BYTES / 2 ** 20} MB`,
    );
  }
  return deserialize(data) as Page;
}

/** Pages built at a time before the parent's event loop gets a turn (see `PageBuilder.start`). */
const BUILD_STEP = 8;

/**
 * The pages the children send, kept as their serialized bytes (a fraction of their size as
 * objects) while every child still works, and built into objects once a child has finished:
 * its core is then free, and the children's memory is smaller by one child. Each page's bytes
 * are let go as soon as it is built.
 */
export class PageBuilder {
  private waiting: SerializedPage[] = [];
  private readonly built: { number: number; page: Page }[] = [];
  private building = false;
  private started = false;
  private failed: unknown;

  add(page: SerializedPage): void {
    this.waiting.push(page);
    if (this.started) this.buildSome();
  }

  /**
   * A child has finished while another still works: build what has come so far, and what
   * comes from now on, a few pages at a time, so the working child's requests for pages are
   * still answered at once.
   */
  start(): void {
    this.started = true;
    this.buildSome();
  }

  private buildSome(): void {
    if (this.building || this.failed !== undefined) return;
    this.building = true;
    setImmediate(() => {
      this.building = false;
      try {
        this.build(BUILD_STEP);
      } catch (err) {
        this.failed = err;
        return;
      }
      if (this.waiting.length > 0) this.buildSome();
    });
  }

  private build(max: number): void {
    const take = this.waiting.splice(0, max);
    for (let i = 0; i < take.length; i++) {
      this.built.push({ number: take[i]!.number, page: buildPage(take[i]!) });
      take[i] = undefined!;
    }
  }

  /** Every page, built, in page order (once every child has finished). */
  finish(): Page[] {
    if (this.failed !== undefined) throw this.failed;
    this.build(this.waiting.length);
    return this.built.sort((a, b) => a.number - b.number).map((b) => b.page);
  }
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

/**
 * `extractLayout` in child processes under `limits`; see DEFAULT_SANDBOX_LIMITS. The first
 * child opens the document and, when it has pages enough, splits them between children (at
 * most `maxChildren`), which take them from the parent in batches of shrinking size: each
 * child parses the file itself, so the cores work on the pages in parallel and no child
 * sees another's memory.
 */
export async function extractInSandbox(
  source: Uint8Array | string,
  opts: ExtractOptions = {},
  limits: Partial<SandboxLimits> = {},
): Promise<SandboxResult> {
  const all = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
  const leave = ocrBudget.enter();
  try {
    return await extractInChildren(source, opts, all);
  } finally {
    leave();
  }
}

async function extractInChildren(
  source: Uint8Array | string,
  opts: ExtractOptions,
  all: SandboxLimits,
): Promise<SandboxResult> {
  const input = toInput(source);
  const options = childOptions(opts);
  // All children of this extraction share its place in the OCR budget.
  const ocrGroup = {};
  const children = Math.max(1, Math.min(all.maxChildren, availableParallelism()));
  const done: number[] = [];
  let total = 0;
  let split = false;
  // Selected pages handed out so far to the children of a split (by index, in order).
  let batches: { of: number; handedOut: number } | undefined;
  const report = () =>
    opts.onProgress?.(
      done.reduce((a, b) => a + (b ?? 0), 0),
      total,
    );
  const stops: ((why: DocatError) => void)[] = [];
  const runs: Promise<RunOutcome>[] = [];
  const built = new PageBuilder();
  const slice = (index: number, of: number): PageSlice => ({
    index,
    of,
    maxChildren: children,
    cores: availableParallelism(),
  });
  // When the page tree says the document will be split, the second child starts now and
  // loads its code while the first checks and opens the file.
  const inTree = await selectedInTree(source, opts);
  let semiSpaceMb = semiSpaceFor(inTree);
  const standby = splitLikely(inTree, children) ? new StandbyChild(all, semiSpaceMb) : undefined;
  const start = (s: PageSlice) => {
    const prepared = s.index === 1 ? standby?.take() : undefined;
    const run = runChild(
      { type: 'extract', input, options, limits: all, slice: s },
      all,
      {
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (d, t) => {
          done[s.index] = d;
          // A first child reporting pages without a split reads them all: no slice will come.
          if (!split) {
            total = t;
            standby?.discard();
          }
          report();
        },
        onStart: (stop) => stops.push(stop),
        ocrGroup,
        onPage: (page) => built.add(page),
        semiSpaceMb,
        onSplit: (of, selected) => {
          split = true;
          semiSpaceMb = semiSpaceFor(selected);
          total = selected;
          batches = { of, handedOut: 0 };
          for (let i = 1; i < of; i++) start(slice(i, of));
        },
        onNext: () => {
          // Batches shrink as the pages run out (a quarter of what is left, for two
          // children): long runs while both children are busy, a few pages at the end, so
          // they finish together. Pages come back in any order; they are sorted below.
          const b = batches ?? { of: 1, handedOut: total };
          const left = total - b.handedOut;
          const size = Math.min(left, Math.max(MIN_BATCH, Math.ceil(left / (2 * b.of))));
          const from = b.handedOut;
          b.handedOut += size;
          return { type: 'pages', from, to: from + size, left: left - size };
        },
      },
      prepared,
    );
    // A child done while another works leaves a core to build the pages received so far.
    run.then(
      () => built.start(),
      () => undefined,
    );
    // One slice failing stops the others: the document fails as a whole.
    run.catch((err: unknown) => {
      const why = err instanceof DocatError ? err : new DocatError('INTERNAL', String(err));
      for (const stop of stops) stop(why);
    });
    runs.push(run);
  };
  start(slice(0, 0));
  // Slices are started while the first runs; wait until no new one appears.
  let outcomes: RunOutcome[] = [];
  try {
    for (let seen = 0; seen < runs.length;) {
      seen = runs.length;
      outcomes = await Promise.all(runs);
    }
  } finally {
    standby?.discard();
  }
  const first = outcomes[0]!.message;
  if (first.type !== 'result') throw new DocatError('INTERNAL', 'Unexpected sandbox reply');
  // The pages left to build are built now, when no child is running (see `PageBuilder`).
  const pagesPerChild = outcomes.map((o) => o.pageCount);
  const pages = built.finish();
  const warnings = outcomes
    .flatMap((o) => (o.message.type === 'result' ? o.message.warnings : []))
    .sort((a, b) => (a.page ?? 0) - (b.page ?? 0));
  const document: LayoutDocument = { ...first.document, pages };
  const ocrAdapter = outcomes.find((o) => o.ocrAdapter)?.ocrAdapter;
  return {
    document: opts.documentLevel === false ? document : finalizeDocument(document),
    warnings,
    peakRssMb: Math.round(outcomes.reduce((a, o) => a + o.peakRssKb, 0) / 102.4) / 10,
    peakRssMbPerChild: Math.round(Math.max(...outcomes.map((o) => o.peakRssKb)) / 102.4) / 10,
    children: outcomes.length,
    pagesPerChild,
    ...(ocrAdapter ? { ocrAdapter } : {}),
  };
}

/** Whether the first child will split `selected` pages (undefined: not known). */
function splitLikely(selected: number | undefined, children: number): boolean {
  return (
    selected !== undefined && Math.min(children, Math.floor(selected / MIN_PAGES_PER_CHILD)) > 1
  );
}

/**
 * How many pages the extraction will read, from the page count in the file's page tree (a
 * few small reads, no parsing); undefined when the tree cannot be read so.
 */
async function selectedInTree(
  source: Uint8Array | string,
  opts: ExtractOptions,
): Promise<number | undefined> {
  let count: number | null;
  try {
    if (typeof source === 'string') {
      const handle = await open(source, 'r');
      try {
        const { size } = await handle.stat();
        count = await pageTreeCount(async (start, end) => {
          const buf = Buffer.alloc(Math.max(0, Math.min(end, size - 1) - start + 1));
          await handle.read(buf, 0, buf.length, start);
          return buf;
        }, size);
      } finally {
        await handle.close();
      }
    } else {
      count = await pageTreeCount(
        async (start, end) => source.subarray(start, end + 1),
        source.byteLength,
      );
    }
  } catch {
    return undefined;
  }
  if (count === null || count <= 0) return undefined;
  return selectedPageNumbers(opts.pages, count).length;
}

/**
 * Young generation of the children of an extraction of `selected` pages (undefined: not
 * known yet): the larger one for a document short enough to have room for it (see
 * `SANDBOX_CHILD_SEMI_SPACE_MB_SHORT`).
 */
function semiSpaceFor(selected: number | undefined): number {
  return selected !== undefined && selected <= SHORT_DOCUMENT_PAGES
    ? SANDBOX_CHILD_SEMI_SPACE_MB_SHORT
    : SANDBOX_CHILD_SEMI_SPACE_MB;
}

/** Page count, encryption and OCR candidates, read in the sandbox (cheap: no layout, no OCR). */
export async function probePdf(
  source: Uint8Array | string,
  opts: { password?: string; respectPermissions?: boolean } = {},
  limits: Partial<SandboxLimits> = {},
): Promise<ProbeResult> {
  const all = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
  const leave = ocrBudget.enter();
  let message: RunOutcome['message'];
  try {
    ({ message } = await runChild(
      { type: 'probe', input: toInput(source), options: opts, limits: all },
      all,
    ));
  } finally {
    leave();
  }
  if (message.type !== 'probe') throw new DocatError('INTERNAL', 'Unexpected sandbox reply');
  return message.probe;
}
