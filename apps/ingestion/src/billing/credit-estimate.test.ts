import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  estimateCredits,
  selectedPages,
  settleLines,
  translationCredits,
} from './credit-estimate.js';

const rates = { textPage: 1, ocrPage: 5, translationPer1000Characters: 1 };

test('the estimate charges selected text pages at 1, scanned ones at 5, and nothing for the pseudo engine', () => {
  const estimate = estimateCredits({
    probe: { pageCount: 10, scannedPages: [2, 9] },
    pages: '1-4,9-20',
    engine: { engine: 'pseudo', paid: false },
    rates,
    reserveCharactersPerPage: 5000,
  });
  assert.deepEqual(
    [
      estimate.selectedPages,
      estimate.scannedPages,
      estimate.textPages,
      estimate.estimatedCredits,
      estimate.engine,
      estimate.paidEngine,
    ],
    [6, 2, 4, 4 + 10, 'pseudo', false],
  );
  assert.deepEqual(estimate.breakdown, { text_pages: 4, ocr_pages: 10, translation: 0 });
});

test('a paid engine reserves the assumed characters per selected page', () => {
  const estimate = estimateCredits({
    probe: { pageCount: 3, scannedPages: [] },
    pages: undefined,
    engine: { engine: 'deepl', paid: true },
    rates,
    reserveCharactersPerPage: 4_500,
  });
  assert.equal(estimate.translationCharacters, 13_500);
  assert.equal(estimate.breakdown.translation, 14);
  assert.equal(estimate.estimatedCredits, 3 + 14);
});

test('whether an engine is paid is its own fact: a free engine reserves no characters', () => {
  const estimate = estimateCredits({
    probe: { pageCount: 3, scannedPages: [] },
    pages: undefined,
    engine: { engine: 'libretranslate', paid: false },
    rates,
    reserveCharactersPerPage: 4_500,
  });
  assert.deepEqual(
    [
      estimate.engine,
      estimate.paidEngine,
      estimate.translationCharacters,
      estimate.estimatedCredits,
    ],
    ['libretranslate', false, 0, 3],
  );
});

test('an unreadable document reserves nothing and says it was not probed', () => {
  const estimate = estimateCredits({
    probe: null,
    pages: undefined,
    engine: { engine: 'openai', paid: true },
    rates,
    reserveCharactersPerPage: 5000,
  });
  assert.equal(estimate.probed, false);
  assert.equal(estimate.estimatedCredits, 0);
});

test('selected pages clip to the document; translation credits round up per job', () => {
  assert.deepEqual(selectedPages(5, '4-9'), [4, 5]);
  assert.deepEqual(selectedPages(3, undefined), [1, 2, 3]);
  assert.equal(translationCredits(0, rates), 0);
  assert.equal(translationCredits(1, rates), 1);
  assert.equal(translationCredits(2_000, rates), 2);
  assert.equal(translationCredits(2_001, { ...rates, translationPer1000Characters: 3 }), 7);
});

test('settle lines: one per chunk and kind, plus the paid characters of the job', () => {
  assert.deepEqual(
    settleLines(
      [
        { chunk: 0, pages: 4, scanned: 1 },
        { chunk: 1, pages: 2, scanned: 0 },
      ],
      1_234,
      rates,
    ),
    [
      { step: 'chunk:0', kind: 'text_pages', quantity: 3, credits: 3 },
      { step: 'chunk:0', kind: 'ocr_pages', quantity: 1, credits: 5 },
      { step: 'chunk:1', kind: 'text_pages', quantity: 2, credits: 2 },
      { step: 'job', kind: 'translation', quantity: 1_234, credits: 2 },
    ],
  );
});
