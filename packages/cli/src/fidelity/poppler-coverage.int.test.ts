import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { renderPdfOutputs } from '../pdf-outputs.js';
import { translateDocument } from '../pipeline/translate-document.js';
import {
  measureCoverage,
  popplerPages,
  proseToken,
  runningHeads,
} from './poppler-coverage.test-support.js';

const req = requireAll(
  requireCorpus('tracemonkey.pdf', 'TAMReview.pdf', 'standard_fonts.pdf'),
  requireTools('pdftotext'),
);

describe('coverage measured with poppler (bench:fidelity)', { skip: req.skip }, () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'docat-coverage-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('prose tokens: two letters or more, no numbers, addresses or surrounding punctuation', () => {
    assert.equal(proseToken('(trace-based'), 'trace-based');
    assert.equal(proseToken('⟪Ťhhêê'), 'Ťhhêê');
    assert.equal(proseToken('ﬁrst,'), 'first');
    assert.equal(proseToken('42'), null);
    assert.equal(proseToken('x'), null);
    assert.equal(proseToken('https://example.org/a'), null);
    assert.equal(proseToken('gal@uci.edu'), null);
  });

  test('a character table is no prose: escaped quotes and symbols like ™ are not words', () => {
    const pages = popplerPages(corpusFile('standard_fonts.pdf'));
    const words = pages[0]!.lines.flatMap((l) => l.words.map((w) => w.text));
    assert.ok(words.includes("'") && words.includes('™'), 'the table holds both');
    assert.ok(!words.includes('apos'));
    const tokens = words.map(proseToken).filter((t) => t !== null);
    assert.ok(!tokens.includes('TM') && !tokens.includes('apos'), tokens.join(' '));
  });

  test('a document measured against itself keeps every word; running heads, folios and unreadable pages are left out', () => {
    const pages = popplerPages(corpusFile('TAMReview.pdf'));
    assert.equal(pages.length, 23);
    const heads = runningHeads(pages);
    // Every page after the first carries a running head ("Sprouts - http://...") at its top.
    const top = [...heads].filter((l) => l.words.some((w) => w.text === 'Sprouts'));
    assert.equal(top.length, 22);
    const self = measureCoverage(pages, pages, undefined);
    // Its body font has no usable Unicode map: poppler reads garbage there, which is not counted.
    assert.ok(self.unreadablePages >= 15, `${self.unreadablePages} unreadable pages`);
    assert.equal(self.left, self.words);
    assert.ok(self.pages.every((p) => p.left === p.words));
    const tm = popplerPages(corpusFile('tracemonkey.pdf'));
    const whole = measureCoverage(tm, tm, undefined);
    assert.equal(whole.unreadablePages, 0);
    assert.ok(whole.words > 11000, `${whole.words} words`);
    assert.equal(whole.left, whole.words);
  });

  test('the CLI pipeline translates page 1 of tracemonkey.pdf with nearly no word left; the page map follows the output', async () => {
    const input = corpusFile('tracemonkey.pdf');
    const result = await translateDocument({
      input,
      target: 'de',
      engine: 'pseudo',
      pages: '1',
      useMemory: false,
      env: {},
    });
    const pdfs = await renderPdfOutputs(input, result.source, result.translated, {
      target: 'de',
      formats: ['pdf'],
      dualMode: 'side',
    });
    const output = join(work, 'p1.de.pdf');
    writeFileSync(output, pdfs.files.pdf!);
    const source = popplerPages(input);
    const translated = popplerPages(output);
    assert.equal(translated.length, 1);
    const coverage = measureCoverage(source, translated, result.source, (p) =>
      p === 1 ? 1 : undefined,
    );
    const first = coverage.pages[0]!;
    assert.ok(first.words > 500, `${first.words} words on page 1`);
    assert.ok(
      first.left / first.words < 0.02,
      `${first.left} of ${first.words} words left on page 1`,
    );
    // Pages the output does not hold keep every word.
    for (const p of coverage.pages.slice(1)) assert.equal(p.left, p.words);
    // The untranslated source against itself through the same map: every word of page 1 is left.
    const untouched = measureCoverage(source, source.slice(0, 1), result.source, (p) =>
      p === 1 ? 1 : undefined,
    );
    assert.equal(untouched.pages[0]!.left, untouched.pages[0]!.words);
  });
});
