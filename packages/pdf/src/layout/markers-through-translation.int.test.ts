import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import type { LayoutDocument, Span } from '@docat/contracts';
import {
  MemoryRateLimiter,
  PseudoEngine,
  reassemble,
  segmentBlocks,
  Translator,
  type Segment,
  type TranslateBatchRequest,
} from '@docat/translate';
import { extractLayout } from '../extract/index.js';
import { FontLibrary } from '../fonts/font-library.js';
import { renderTranslatedPdf } from '../render/render-translated.js';
import { renderTranslationsOf } from '../render/render-translations.js';
import { applyTranslations } from './apply-translations.js';

const HEIGHT = 792;

function runs(page: PDFPage, x: number, top: number, parts: [string, PDFFont, number, number][]) {
  let at = x;
  for (const [text, font, size, rise] of parts) {
    page.drawText(text, { x: at, y: HEIGHT - top + rise, size, font });
    at += font.widthOfTextAtSize(text, size);
  }
}

/**
 * A paragraph with a raised ordinal (`21st`) and a footnote mark after a full stop, and a
 * list item whose bullet stands a tab stop before its words.
 */
async function sourcePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const text = await doc.embedFont(StandardFonts.TimesRoman);
  runs(page, 72, 120, [
    ['The 21', text, 11, 0],
    ['st', text, 7.7, 4.4],
    [' edition of the annual report appeared in the spring, and it', text, 11, 0],
  ]);
  runs(page, 72, 134, [
    ['was printed twice.', text, 11, 0],
    ['3', text, 7.7, 4.4],
    [' The second printing sold out within a single week of sales,', text, 11, 0],
  ]);
  runs(page, 72, 148, [['as the publisher of the report had hoped it would.', text, 11, 0]]);
  runs(page, 72, 180, [['•', text, 11, 0]]);
  runs(page, 90, 180, [
    ['A translated PDF keeps the images and drawings of its source.', text, 11, 0],
  ]);
  return doc.save();
}

/** The pseudo engine, keeping what it was sent. */
class RecordingEngine extends PseudoEngine {
  readonly sent: string[] = [];
  override translateBatch(req: TranslateBatchRequest) {
    this.sent.push(...req.segments.map((s) => s.text));
    return super.translateBatch(req);
  }
}

const allSpans = (doc: LayoutDocument): Span[] =>
  doc.pages[0]!.blocks.flatMap((b) => b.lines.flatMap((l) => l.spans));
const baseline = (s: Span): number => s.bbox[3] - s.size * 0.25;

describe('list markers, raised ordinals and footnote marks through translation', () => {
  let layout: LayoutDocument;
  let segments: Segment[];
  let engine: RecordingEngine;
  let translated: LayoutDocument;
  let out: LayoutDocument;

  before(async () => {
    const source = await sourcePdf();
    layout = (await extractLayout(source, { ocr: 'off' })).document;
    segments = segmentBlocks(layout.pages.flatMap((p) => p.blocks));
    engine = new RecordingEngine();
    const outcome = await new Translator({ limiter: new MemoryRateLimiter() }).translate({
      accountId: 'test',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
    });
    translated = applyTranslations(layout, reassemble(segments, outcome.texts));
    const rendered = await renderTranslatedPdf(
      source,
      layout,
      renderTranslationsOf(layout, translated),
      { targetLanguage: 'de', fonts: new FontLibrary() },
    );
    out = (await extractLayout(rendered.bytes, { ocr: 'off' })).document;
  });

  test('the engine sees neither the bullet nor the footnote mark; the ordinal as one pair', () => {
    const item = layout.pages[0]!.blocks.find((b) => b.text.includes('translated PDF'));
    assert.equal(item?.type, 'list_item');
    assert.ok(item.text.startsWith('• '), item.text);
    assert.ok(!engine.sent.some((s) => s.includes('•')), engine.sent.join('\n'));
    assert.ok(
      engine.sent.includes('A translated PDF keeps the images and drawings of its source.'),
    );
    assert.ok(
      engine.sent.includes(
        'The ⟦0⟧21st⟦/0⟧ edition of the annual report appeared in the spring, and it was printed twice.',
      ),
      engine.sent.join('\n'),
    );
    assert.ok(engine.sent.some((s) => s.startsWith('The second printing')));
  });

  test('the translated item starts with its bullet, the footnote mark follows its sentence', () => {
    const byId = new Map(translated.pages[0]!.blocks.map((b) => [b.id, b]));
    const item = [...byId.values()].find((b) => b.type === 'list_item')!;
    assert.match(item.text, /^• ⟪[^•⟪]+⟫$/u);
    const paragraph = [...byId.values()].find((b) => b.text.includes('21'))!;
    assert.match(paragraph.text, /\.⟫3 ⟪/u);
    const scripts = (paragraph.marks ?? []).filter((m) => m.script);
    assert.deepEqual(
      scripts.map((m) => paragraph.text.slice(m.start, m.end)),
      [paragraph.text.slice(paragraph.text.indexOf('21') + 2).match(/^\p{Ll}+/u)![0], '3'],
    );
  });

  test('the rendered page: bullet first on its line, the suffix and the mark raised and smaller', () => {
    const spans = allSpans(out);
    const bullet = spans.find((s) => s.text.trim().startsWith('•'));
    assert.ok(bullet, 'the bullet is drawn');
    const line = out.pages[0]!.blocks.flatMap((b) => b.lines).find((l) => l.spans.includes(bullet));
    assert.equal(line!.spans[0], bullet, 'nothing stands before the bullet');
    for (const mark of [/^3$/u, /^\p{Ll}{1,4}$/u]) {
      const span = spans.find((s) => mark.test(s.text.trim()) && s.size < 10);
      assert.ok(span, `${mark} is drawn apart`);
      const body = spans.find((s) => s.size > span.size && Math.abs(s.bbox[1] - span.bbox[1]) < 8);
      assert.ok(body, `${mark} has words beside it`);
      assert.ok(span.size < body.size * 0.85, `${mark}: ${span.size} against ${body.size}`);
      assert.ok(baseline(body) - baseline(span) > body.size * 0.25, `${mark} sits higher`);
    }
  });
});
