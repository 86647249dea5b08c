import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractInSandbox } from './sandbox.js';
import { ocrBudget } from './ocr-budget.js';

const req = requireAll(requireCorpus('scanned-tracemonkey-p1-2.pdf'), requireTools('tesseract'));

/** `tesseract` processes among this process's descendants. */
function tesseracts(pid = process.pid): number {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return 0;
  }
  return children.reduce((n, c) => {
    let comm = '';
    try {
      comm = readFileSync(`/proc/${c}/comm`, 'latin1').trim();
    } catch {
      // Ended meanwhile.
    }
    return n + (comm === 'tesseract' ? 1 : 0) + tesseracts(c);
  }, 0);
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
      let mostWhileShared = 0;
      const sampler = setInterval(() => {
        const n = tesseracts();
        most = Math.max(most, n);
        if (running > 1) mostWhileShared = Math.max(mostWhileShared, n);
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
      assert.ok(
        mostWhileShared <= 1,
        `${mostWhileShared} tesseract processes at once while other extractions ran; one core is left to them`,
      );
      assert.equal(ocrBudget.running, 0, 'every run was given back');
    } finally {
      ocrBudget.resize(cores);
    }
  },
);
