import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import type { LayoutDocument } from '@docat/contracts';
import { corpusFile, requireCorpus } from '@docat/testing';
import { pseudoTranslate } from '@docat/translate';
import { extractLayout } from '../extract/index.js';
import { FontLibrary } from '../fonts/font-library.js';
import { renderDualPdf } from './render-dual.js';
import { renderTranslatedPdf } from './render-translated.js';
import { translateBlocks } from './render-fixtures.test-support.js';

const req = requireCorpus('prefilled_f1040.pdf');
const library = new FontLibrary();
const SCRIPT = 'app.alert("docat-active-content-probe")';
const ATTACHMENT = 'docat-embedded-file-probe';

/**
 * The 1040 form (real AcroForm fields) with every kind of active content added: a
 * JavaScript OpenAction, catalog and page additional actions, a document-level script,
 * an embedded file (name tree and a file attachment annotation), a Launch link, a
 * JavaScript link, a URI link that must survive, and a script on a form field's widget.
 */
async function armedForm(): Promise<Uint8Array> {
  const doc = await PDFDocument.load(readFileSync(corpusFile('prefilled_f1040.pdf')), {
    updateMetadata: false,
  });
  const ctx = doc.context;
  const js = (code: string) => ctx.obj({ S: 'JavaScript', JS: PDFString.of(code) });
  doc.catalog.set(PDFName.of('OpenAction'), ctx.register(js(SCRIPT)));
  doc.catalog.set(PDFName.of('AA'), ctx.obj({ WC: js(SCRIPT) }));
  const file = ctx.flateStream(ATTACHMENT, { Type: 'EmbeddedFile' });
  const spec = ctx.register(
    ctx.obj({ Type: 'Filespec', F: PDFString.of('probe.txt'), EF: { F: ctx.register(file) } }),
  );
  doc.catalog.set(
    PDFName.of('Names'),
    ctx.obj({
      JavaScript: { Names: [PDFString.of('init'), ctx.register(js(SCRIPT))] },
      EmbeddedFiles: { Names: [PDFString.of('probe.txt'), spec] },
    }),
  );
  const page = doc.getPage(0);
  page.node.set(PDFName.of('AA'), ctx.obj({ O: js(SCRIPT), C: js(SCRIPT) }));
  const link = (action: PDFObject, y: number) =>
    ctx.register(
      ctx.obj({
        Type: 'Annot',
        Subtype: 'Link',
        Rect: [10, y, 60, y + 10],
        Border: [0, 0, 0],
        A: action,
      }),
    );
  const uri = link(ctx.obj({ S: 'URI', URI: PDFString.of('https://example.org/kept') }), 10);
  const launch = link(ctx.obj({ S: 'Launch', F: PDFString.of('calc.exe') }), 30);
  const scripted = link(
    ctx.obj({ S: 'URI', URI: PDFString.of('https://example.org/chained'), Next: js(SCRIPT) }),
    50,
  );
  const attachment = ctx.register(
    ctx.obj({
      Type: 'Annot',
      Subtype: 'FileAttachment',
      Rect: [70, 10, 80, 20],
      FS: spec,
      Contents: PDFHexString.fromText('file'),
    }),
  );
  const annots = page.node.lookup(PDFName.of('Annots'), PDFArray);
  for (const ref of [uri, launch, scripted, attachment]) annots.push(ref);
  // A widget's keystroke script: the field stays, its script goes.
  const widget = annots
    .asArray()
    .map((r) => ctx.lookup(r))
    .find(
      (a): a is PDFDict =>
        a instanceof PDFDict && a.get(PDFName.of('Subtype')) === PDFName.of('Widget'),
    );
  assert.ok(widget, 'the form has a widget on page 1');
  widget.set(PDFName.of('AA'), ctx.obj({ K: js(SCRIPT) }));
  return doc.save({ useObjectStreams: false });
}

interface Found {
  openAction: boolean;
  catalogAA: boolean;
  names: string[];
  pageAA: number;
  subtypes: string[];
  actions: string[];
  widgetsWithAA: number;
  fields: number;
  raw: { script: boolean; attachment: boolean };
}

/** What active content a saved PDF holds, read back with pdf-lib and from its bytes. */
async function inspect(bytes: Uint8Array): Promise<Found> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const names = doc.catalog.lookup(PDFName.of('Names'));
  const found: Found = {
    openAction: doc.catalog.has(PDFName.of('OpenAction')),
    catalogAA: doc.catalog.has(PDFName.of('AA')),
    names: names instanceof PDFDict ? names.keys().map((k) => k.decodeText()) : [],
    pageAA: doc.getPages().filter((p) => p.node.has(PDFName.of('AA'))).length,
    subtypes: [],
    actions: [],
    widgetsWithAA: 0,
    fields: doc.catalog.has(PDFName.of('AcroForm')) ? doc.getForm().getFields().length : 0,
    raw: { script: false, attachment: false },
  };
  for (const page of doc.getPages()) {
    const annots = page.node.lookup(PDFName.of('Annots'));
    if (!(annots instanceof PDFArray)) continue;
    for (const entry of annots.asArray()) {
      const annot = doc.context.lookup(entry);
      if (!(annot instanceof PDFDict)) continue;
      const subtype = annot.get(PDFName.of('Subtype'));
      found.subtypes.push(subtype instanceof PDFName ? subtype.decodeText() : '?');
      const action = annot.lookup(PDFName.of('A'));
      if (action instanceof PDFDict) found.actions.push(String(action.get(PDFName.of('S'))));
      if (subtype === PDFName.of('Widget') && annot.has(PDFName.of('AA'))) found.widgetsWithAA++;
    }
  }
  // Uncompressed objects: a script or an attachment left anywhere in the file shows here.
  const text = Buffer.from(bytes).toString('latin1');
  found.raw.script = text.includes('docat-active-content-probe');
  found.raw.attachment = text.includes('/EmbeddedFile') || text.includes('/FileAttachment');
  return found;
}

describe('active content in PDF outputs', { skip: req.skip }, () => {
  let armed: Promise<{ source: Uint8Array; layout: LayoutDocument }> | undefined;
  /** Built and extracted once for both tests. */
  function fixture(): Promise<{ source: Uint8Array; layout: LayoutDocument }> {
    armed ??= armedForm().then(async (source) => ({
      source,
      layout: (
        await extractLayout(source.slice(), {
          pages: [{ from: 1, to: 1 }],
          ocr: 'off',
          detail: 'text',
          documentLevel: false,
        })
      ).document,
    }));
    return armed;
  }

  test('the translated PDF and both bilingual layouts lose scripts, actions and embedded files; links and form fields stay', async () => {
    const { source, layout } = await fixture();
    const before = await inspect(source);
    assert.ok(
      before.openAction && before.catalogAA && before.pageAA === 1 && before.widgetsWithAA === 1,
      JSON.stringify(before),
    );
    assert.ok(before.names.includes('JavaScript') && before.names.includes('EmbeddedFiles'));
    assert.ok(before.actions.includes('/Launch') && before.subtypes.includes('FileAttachment'));

    // A few translated blocks exercise the real path; all 86 of the page would only cost time.
    const translations = new Map(
      [...translateBlocks(layout, [1], (s) => pseudoTranslate(s, 'de'))].slice(0, 6),
    );
    const translated = await renderTranslatedPdf(source.slice(), layout, translations, {
      targetLanguage: 'de',
      fonts: library,
    });
    const out = await inspect(translated.bytes);
    assert.equal(out.openAction, false, 'OpenAction');
    assert.equal(out.catalogAA, false, 'document additional actions');
    assert.deepEqual(
      out.names.filter((n) => n === 'JavaScript' || n === 'EmbeddedFiles'),
      [],
      'document scripts and embedded files',
    );
    assert.equal(out.pageAA, 0, 'page additional actions');
    assert.equal(out.widgetsWithAA, 0, 'field scripts');
    assert.ok(!out.subtypes.includes('FileAttachment'), 'file attachment annotation');
    assert.deepEqual(
      out.actions.filter((a) => a !== '/URI'),
      [],
      `actions left: ${out.actions.join(', ')}`,
    );
    assert.equal(
      out.actions.length,
      1,
      'the plain URI link keeps its action; the chained one lost its script',
    );
    assert.equal(out.subtypes.filter((s) => s === 'Link').length, 3, 'the links themselves stay');
    assert.equal(out.fields, before.fields, 'every form field stays');
    assert.deepEqual(
      out.raw,
      { script: false, attachment: false },
      'nothing of the scripts or the file is left in the bytes',
    );

    for (const mode of ['side', 'alternate'] as const) {
      const dual = await inspect(await renderDualPdf(source.slice(), translated.bytes, { mode }));
      assert.equal(
        dual.openAction || dual.catalogAA || dual.pageAA > 0,
        false,
        `${mode}: ${JSON.stringify(dual)}`,
      );
      assert.deepEqual(dual.raw, { script: false, attachment: false }, mode);
      assert.ok(!dual.actions.includes('/Launch') && !dual.actions.includes('/JavaScript'), mode);
    }
  });

  test('keepActiveContent keeps the original behaviour', async () => {
    const { source, layout } = await fixture();
    // No translated text: what is kept does not depend on it, and no font is loaded.
    const translations = new Map<string, string>();
    const kept = await inspect(
      (
        await renderTranslatedPdf(source.slice(), layout, translations, {
          targetLanguage: 'de',
          fonts: library,
          keepActiveContent: true,
        })
      ).bytes,
    );
    assert.ok(
      kept.openAction && kept.catalogAA && kept.pageAA === 1 && kept.widgetsWithAA === 1,
      JSON.stringify(kept),
    );
    assert.ok(kept.names.includes('JavaScript') && kept.names.includes('EmbeddedFiles'));
    assert.ok(kept.actions.includes('/Launch') && kept.subtypes.includes('FileAttachment'));
  });
});
