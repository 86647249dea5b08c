import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import type { LayoutDocument } from '@docat/contracts';
import { corpusFile, requireCorpus } from '@docat/testing';
import { pseudoTranslate } from '@docat/translate';
import { extractLayout } from '../extract/index.js';
import { renderDualPdf } from './render-dual.js';
import { translateBlocks } from './render-fixtures.test-support.js';
import { renderTranslatedPdf } from './render-translated.js';

const req = requireCorpus('tracemonkey.pdf');

describe('a render stopped by its signal (tracemonkey.pdf)', { skip: req.skip }, () => {
  let source: Uint8Array;
  let layout: LayoutDocument;
  let translations: Map<string, string>;

  before(async () => {
    source = new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf')));
    layout = (await extractLayout(source.slice(), { ocr: 'off' })).document;
    translations = translateBlocks(
      layout,
      layout.pages.map((p) => p.number),
      (s) => pseudoTranslate(s, 'de'),
    );
  });

  test('stops before the next page and rejects with the reason, even when aborted mid-page', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped');
    const pages: number[] = [];
    await assert.rejects(
      renderTranslatedPdf(source, layout, translations, {
        targetLanguage: 'de',
        signal: controller.signal,
        onPage: (done) => {
          pages.push(done);
          // Aborted while page 2 is being set (a stop message arrives in the middle of a page).
          if (done === 1) setImmediate(() => controller.abort(reason));
        },
      }),
      (err) => err === reason,
    );
    assert.deepEqual(pages, [0, 1]);
  });

  test('the bilingual PDF stops at its next step', async () => {
    const translated = await renderTranslatedPdf(source, layout, translations, {
      targetLanguage: 'de',
    });
    const reason = new Error('stopped');
    await assert.rejects(
      renderDualPdf(source, translated.bytes, { mode: 'side', signal: AbortSignal.abort(reason) }),
      (err) => err === reason,
    );
  });
});
