import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractInSandbox } from './sandbox.js';
import { ocrBudget } from './ocr-budget.js';

const req = requireAll(requireCorpus('scanned-tracemonkey-p1-2.pdf'), requireTools('tesseract'));

function childrenOf(pid: number): number[] {
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

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    // Ended meanwhile.
    return '';
  }
}

function argsOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
  } catch {
    return [];
  }
}

/** `tesseract` processes among this process's descendants. */
function tesseracts(pid = process.pid): number {
  return childrenOf(pid).reduce(
    (n, c) => n + (commOf(c) === 'tesseract' ? 1 : 0) + tesseracts(c),
    0,
  );
}

/** The nice value of a thread or process from `/proc/<pid>/stat` (field 19), if it still runs. */
function niceOf(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'latin1');
    // The name in parentheses may hold spaces: fields are counted after its closing one.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return undefined;
  }
}

/** Nice values of every thread of `pid`. */
function threadNices(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks
    .map((t) => niceOf(`/proc/${pid}/task/${t}/stat`))
    .filter((n): n is number => n !== undefined);
}

/** What a sampler saw of this process's sandbox children and their OCR processes. */
interface Seen {
  /** Nice values of tesseract processes reading a page. */
  tesseract: Set<number>;
  /** Nice values of the children's threads, while a child had OCR going. */
  childThreadsDuringOcr: Set<number>;
  /** Most threads one child had at once. */
  mostThreads: number;
}

function sample(seen: Seen, ocrRunning: () => boolean): void {
  for (const child of childrenOf(process.pid)) {
    for (const grandchild of childrenOf(child)) {
      // Recognitions and orientation checks read the page from stdin; the engine's check of
      // its languages (`--list-langs`, before the first OCR run) is not OCR work.
      if (commOf(grandchild) !== 'tesseract' || !argsOf(grandchild).includes('stdin')) continue;
      const nice = niceOf(`/proc/${grandchild}/stat`);
      if (nice !== undefined) seen.tesseract.add(nice);
    }
    const nices = threadNices(child);
    seen.mostThreads = Math.max(seen.mostThreads, nices.length);
    if (ocrRunning()) for (const n of nices) seen.childThreadsDuringOcr.add(n);
  }
}

test(
  'OCR processes of concurrent extractions stay within the process budget, and one alone uses every core',
  { skip: req.skip, timeout: 300_000 },
  async () => {
    const cores = ocrBudget.size;
    ocrBudget.resize(2);
    const file = corpusFile('scanned-tracemonkey-p1-2.pdf');
    const opts = { ocrEngine: 'native' as const, ocr: 'force' as const };
    try {
      // Alone: both pages recognised at once.
      ocrBudget.peak = 0;
      const alone = await extractInSandbox(file, opts);
      assert.equal(alone.ocrAdapter, 'native');
      assert.equal(ocrBudget.peak, 2, 'an extraction alone OCRs as many pages at once as cores');

      // Two at once: each child would run two, four in all, without the budget.
      let running = 2;
      let most = 0;
      let grantedWhileShared = 0;
      let limitWhileShared = 0;
      const sampler = setInterval(() => {
        most = Math.max(most, tesseracts());
        if (running > 1) {
          grantedWhileShared = Math.max(grantedWhileShared, ocrBudget.running);
          limitWhileShared = Math.max(limitWhileShared, ocrBudget.limit);
        }
      }, 10);
      const results = await Promise.all(
        [0, 1].map(() =>
          extractInSandbox(file, opts).finally(() => {
            running--;
          }),
        ),
      ).finally(() => clearInterval(sampler));
      for (const r of results) {
        assert.equal(r.document.pages.length, 2);
        assert.ok(
          r.document.pages.every((p) => p.scanned && p.blocks.length > 0),
          'every page was read',
        );
      }
      assert.ok(most >= 1, 'the sampler saw the OCR processes');
      assert.ok(most <= 2, `${most} tesseract processes at once, budget 2`);
      assert.equal(limitWhileShared, 1, 'while both ran, OCR left one core to the other');
      assert.ok(
        grantedWhileShared <= 1,
        `${grantedWhileShared} OCR runs granted at once while both extractions ran`,
      );
      assert.equal(ocrBudget.running, 0, 'every run was given back');
    } finally {
      ocrBudget.resize(cores);
    }
  },
);

test(
  'an extraction runs below the process once it starts OCR, with the tesseract processes it starts (OcrBudget.nice)',
  { skip: req.skip, timeout: 300_000 },
  async () => {
    const nice = ocrBudget.nice;
    const own = getPriority();
    const file = corpusFile('scanned-tracemonkey-p1-2.pdf');
    const opts = { ocrEngine: 'native' as const, ocr: 'force' as const };
    try {
      ocrBudget.nice = 10;
      const lowered: Seen = {
        tesseract: new Set(),
        childThreadsDuringOcr: new Set(),
        mostThreads: 0,
      };
      const sampler = setInterval(() => sample(lowered, () => ocrBudget.running > 0), 5);
      const result = await extractInSandbox(file, opts).finally(() => clearInterval(sampler));
      assert.equal(result.ocrAdapter, 'native');
      assert.ok(lowered.tesseract.size > 0, 'the sampler saw the tesseract processes');
      assert.deepEqual(
        [...lowered.tesseract],
        [Math.min(19, own + 10)],
        'every tesseract process ran 10 steps below the process',
      );
      assert.deepEqual(
        [...lowered.childThreadsDuringOcr],
        [Math.min(19, own + 10)],
        'while OCR ran, every thread of the child (drawing the pages too) ran 10 steps below',
      );

      // Off: OCR at the process's own priority, as it ran before the setting.
      ocrBudget.nice = 0;
      const kept: Seen = { tesseract: new Set(), childThreadsDuringOcr: new Set(), mostThreads: 0 };
      const keptSampler = setInterval(() => sample(kept, () => ocrBudget.running > 0), 5);
      await extractInSandbox(file, opts).finally(() => clearInterval(keptSampler));
      assert.deepEqual(
        [...kept.tesseract],
        [own],
        'with 0 the tesseract processes kept its priority',
      );
    } finally {
      ocrBudget.nice = nice;
    }
  },
);

test(
  'tesseract.js worker threads, started in the child after it stepped down, run below the process too',
  { skip: req.skip, timeout: 300_000 },
  async () => {
    const nice = ocrBudget.nice;
    const own = getPriority();
    try {
      ocrBudget.nice = 10;
      const seen: Seen = { tesseract: new Set(), childThreadsDuringOcr: new Set(), mostThreads: 0 };
      let threadsBeforeOcr = 0;
      const sampler = setInterval(() => {
        if (ocrBudget.running === 0 && seen.childThreadsDuringOcr.size === 0)
          for (const child of childrenOf(process.pid))
            threadsBeforeOcr = Math.max(threadsBeforeOcr, threadNices(child).length);
        sample(seen, () => ocrBudget.running > 0);
      }, 5);
      const result = await extractInSandbox(corpusFile('scanned-tracemonkey-p1-2.pdf'), {
        ocrEngine: 'tesseract-js',
        ocr: 'force',
        pages: [{ from: 1, to: 1 }],
      }).finally(() => clearInterval(sampler));
      assert.equal(result.ocrAdapter, 'tesseract-js');
      assert.ok(result.document.pages[0]!.blocks.length > 0, 'the page was read');
      assert.ok(
        seen.mostThreads > threadsBeforeOcr,
        `the child started worker threads for OCR (${threadsBeforeOcr} threads before, ${seen.mostThreads} at most)`,
      );
      assert.deepEqual(
        [...seen.childThreadsDuringOcr],
        [Math.min(19, own + 10)],
        'every thread of the child, the OCR worker threads too, ran 10 steps below',
      );
    } finally {
      ocrBudget.nice = nice;
    }
  },
);

/** Whether the canvas library (Skia), loaded only to draw a page for OCR, is mapped into `pid`. */
function canvasLoaded(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/maps`, 'latin1').includes('skia');
  } catch {
    return false;
  }
}

test(
  'a child steps down before it draws its first page for OCR',
  { skip: req.skip, timeout: 300_000 },
  async () => {
    const nice = ocrBudget.nice;
    const own = getPriority();
    try {
      ocrBudget.nice = 10;
      // Nice values of the children's threads seen once the canvas library was loaded to draw.
      const whileDrawing = new Set<number>();
      let sawCanvas = false;
      const sampler = setInterval(() => {
        for (const child of childrenOf(process.pid)) {
          if (!canvasLoaded(child)) continue;
          sawCanvas = true;
          for (const n of threadNices(child)) whileDrawing.add(n);
        }
      }, 2);
      const result = await extractInSandbox(corpusFile('scanned-tracemonkey-p1-2.pdf'), {
        ocrEngine: 'native',
        ocr: 'force',
        pages: [{ from: 1, to: 1 }],
      }).finally(() => clearInterval(sampler));
      assert.equal(result.ocrAdapter, 'native');
      assert.ok(sawCanvas, 'the sampler saw the child with the canvas library loaded');
      assert.deepEqual(
        [...whileDrawing],
        [Math.min(19, own + 10)],
        'from the first page drawn for OCR on, every thread of the child ran 10 steps below',
      );
    } finally {
      ocrBudget.nice = nice;
    }
  },
);
