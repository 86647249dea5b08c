import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LAYOUT_SCHEMA_VERSION,
  TRANSLATION_SCOPE_DEFAULTS,
  type Block,
  type BlockType,
  type LayoutDocument,
  type Page,
} from '@docat/contracts';
import { assembleDocument } from './assemble.step.js';
import { segmentStep } from './translate.step.js';
import { renderTextOutput } from './outputs.step.js';

function block(id: string, type: BlockType, order: number, text: string, y: number): Block {
  return {
    id,
    type,
    order,
    bbox: [50, y, 300, y + 12],
    lines: [{ bbox: [50, y, 300, y + 12], spans: [] }],
    text,
  };
}
// A running title in the top margin of every page, and prose below it.
function page(n: number): Page {
  return {
    number: n,
    width: 600,
    height: 800,
    rotation: 0,
    scanned: false,
    blocks: [
      block(`p${n}-b0`, 'paragraph', 0, 'Annual report', 20),
      block(`p${n}-b1`, 'paragraph', 1, `Body text of page ${n}.`, 300),
      block(`p${n}-b2`, 'code', 2, 'for (;;) {}', 400),
    ],
  };
}
function chunk(pages: Page[]): LayoutDocument {
  return { schemaVersion: LAYOUT_SCHEMA_VERSION, pageCount: 3, pages };
}
// What a translation step of a chunk returns: every block it was given, bracketed.
function translate(layout: LayoutDocument) {
  return {
    blocks: layout.pages.flatMap((p) => p.blocks.map((b) => ({ id: b.id, text: `[${b.text}]` }))),
  };
}

describe('assembleDocument', () => {
  test('the outputs do not depend on how the pages were cut into chunks', () => {
    const one = [chunk([page(1), page(2), page(3)])];
    const three = [chunk([page(1)]), chunk([page(2)]), chunk([page(3)])];
    for (const scope of [
      TRANSLATION_SCOPE_DEFAULTS,
      { ...TRANSLATION_SCOPE_DEFAULTS, headersFooters: false },
    ]) {
      const a = assembleDocument(
        one.map((layout) => ({ layout, translation: translate(layout) })),
        scope,
      );
      const b = assembleDocument(
        three.map((layout) => ({ layout, translation: translate(layout) })),
        scope,
      );
      const meta = { targetLanguage: 'de', engine: 'pseudo' as const, model: 'pseudo-1' };
      for (const format of ['md', 'txt', 'json'] as const)
        assert.equal(renderTextOutput(format, a, meta), renderTextOutput(format, b, meta), format);
    }
  });

  test('running heads, known only once pages are together, keep their source text when the scope excludes them', () => {
    const chunks = [chunk([page(1)]), chunk([page(2), page(3)])].map((layout) => ({
      layout,
      translation: translate(layout),
    }));
    const kept = assembleDocument(chunks, { ...TRANSLATION_SCOPE_DEFAULTS, headersFooters: false });
    const first = kept.translated.pages[0]!.blocks;
    assert.equal(first[0]!.type, 'header');
    assert.equal(first[0]!.text, 'Annual report');
    assert.equal(first[1]!.text, '[Body text of page 1.]');
    assert.ok(
      !kept.applied.some((b) => b.id === 'p1-b0'),
      'the json lists only applied translations',
    );
    const translated = assembleDocument(chunks, TRANSLATION_SCOPE_DEFAULTS);
    assert.equal(translated.translated.pages[0]!.blocks[0]!.text, '[Annual report]');
  });

  test('code is never segmented, and a translation that comes back for it is not applied', () => {
    const layout = chunk([page(1)]);
    const segmenter = {
      segmentBlocks: (blocks: readonly Block[]) =>
        blocks.map((b) => ({ id: `${b.id}:0`, blockId: b.id })),
    };
    const segmented = segmentStep(layout, TRANSLATION_SCOPE_DEFAULTS, segmenter).map(
      (s) => s.blockId,
    );
    assert.deepEqual(segmented, ['p1-b0', 'p1-b1']);
    const out = assembleDocument(
      [{ layout, translation: translate(layout) }],
      TRANSLATION_SCOPE_DEFAULTS,
    );
    assert.equal(out.translated.pages[0]!.blocks[2]!.text, 'for (;;) {}');
  });

  test('the pseudo engine is labelled in md, txt and json', () => {
    const layout = chunk([page(1)]);
    const doc = assembleDocument(
      [{ layout, translation: translate(layout) }],
      TRANSLATION_SCOPE_DEFAULTS,
    );
    const meta = { targetLanguage: 'de', engine: 'pseudo' as const, model: 'pseudo-1' };
    assert.match(renderTextOutput('md', doc, meta), /^<!-- Pseudo-translation/);
    assert.match(renderTextOutput('txt', doc, meta), /^\[Pseudo-translation/);
    assert.match(renderTextOutput('json', doc, meta), /"notice": "Pseudo-translation/);
    assert.doesNotMatch(renderTextOutput('md', doc, { ...meta, engine: 'deepl' }), /Pseudo/);
  });
});
