#!/usr/bin/env node
// Writes examples/sample.pdf: a three-page document with headings, paragraphs, a list,
// a table and a drawn figure, used by the README and the CLI tests.
// Run: node examples/make-sample.mjs
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

const doc = await PDFDocument.create();
doc.setTitle('Docat sample document');
doc.setAuthor('Docat');
doc.setCreationDate(new Date(Date.UTC(2026, 0, 1)));
doc.setModificationDate(new Date(Date.UTC(2026, 0, 1)));
doc.setProducer('Docat examples/make-sample.mjs');
doc.setCreator('Docat');
const regular = await doc.embedFont(StandardFonts.Helvetica);
const bold = await doc.embedFont(StandardFonts.HelveticaBold);

const W = 595.28;
const H = 841.89;
const margin = 72;

function paragraph(page, text, y, { font = regular, size = 11, leading = 15, indent = 0 } = {}) {
  const words = text.split(/\s+/);
  let line = '';
  for (const word of words) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) > W - 2 * margin - indent) {
      page.drawText(line, { x: margin + indent, y, size, font });
      y -= leading;
      line = word;
    } else line = next;
  }
  if (line) {
    page.drawText(line, { x: margin + indent, y, size, font });
    y -= leading;
  }
  return y - 8;
}

function heading(page, text, y, size = 18) {
  page.drawText(text, { x: margin, y, size, font: bold });
  return y - size - 10;
}

function footer(page, n) {
  page.drawText(`Docat sample - page ${n} of 3`, {
    x: margin,
    y: 40,
    size: 9,
    font: regular,
    color: rgb(0.4, 0.4, 0.4),
  });
}

// Page 1
let page = doc.addPage([W, H]);
let y = H - margin;
y = heading(page, 'Translating Documents Without Losing Their Shape', y, 18);
y = paragraph(
  page,
  'This short document exists to show what Docat does with a real PDF. It has headings, paragraphs, a list, a table and a figure, spread over three pages.',
  y,
);
y = heading(page, '1. Why layout matters', y, 14);
y = paragraph(
  page,
  'A translated report is only useful when readers can find their way around it. Page numbers, figure positions and table structure must stay where the original put them, so that a reader can compare both versions side by side.',
  y,
);
y = paragraph(
  page,
  'Docat removes the source text from each page and sets the translation into the same boxes, shrinking the type where a language needs more room.',
  y,
);
y = heading(page, '2. What you get back', y, 14);
for (const item of [
  'A translated PDF that keeps images, drawings and form fields.',
  'A bilingual PDF with the original and the translation side by side.',
  'Markdown, plain text and a JSON layout model for further processing.',
]) {
  page.drawText('\u2022', { x: margin + 4, y, size: 11, font: regular });
  y = paragraph(page, item, y, { indent: 16 }) + 4;
}
footer(page, 1);

// Page 2: a table
page = doc.addPage([W, H]);
y = H - margin;
y = heading(page, '3. Supported outputs', y, 14);
y = paragraph(page, 'The table below lists each output format and what it contains.', y);
const rows = [
  ['Format', 'Contents', 'Typical use'],
  ['pdf', 'Translated pages', 'Reading and printing'],
  ['dual', 'Original and translation', 'Review by a translator'],
  ['md', 'Headings, lists, tables', 'Wikis and documentation'],
  ['json', 'Blocks with positions', 'Search and analysis'],
];
const colX = [margin, margin + 90, margin + 270];
const rowH = 22;
let ty = y - 4;
for (const [i, row] of rows.entries()) {
  row.forEach((cell, c) =>
    page.drawText(cell, { x: colX[c] + 4, y: ty - 15, size: 11, font: i === 0 ? bold : regular }),
  );
  page.drawLine({ start: { x: margin, y: ty }, end: { x: W - margin, y: ty }, thickness: 0.5 });
  ty -= rowH;
}
page.drawLine({ start: { x: margin, y: ty }, end: { x: W - margin, y: ty }, thickness: 0.5 });
y = ty - 24;
paragraph(
  page,
  'Numbers such as 42, 3.14 and 2026 stay as they are, and so do addresses like https://example.org and hello@example.org.',
  y,
);
footer(page, 2);

// Page 3: a figure
page = doc.addPage([W, H]);
y = H - margin;
y = heading(page, '4. A figure', y, 14);
const fx = margin;
const fy = y - 200;
page.drawRectangle({
  x: fx,
  y: fy,
  width: 220,
  height: 180,
  borderColor: rgb(0.2, 0.2, 0.2),
  borderWidth: 1,
});
const bars = [60, 110, 85, 150];
bars.forEach((h, i) =>
  page.drawRectangle({
    x: fx + 20 + i * 50,
    y: fy + 10,
    width: 30,
    height: h,
    color: rgb(0.2, 0.45, 0.75),
  }),
);
page.drawText('Figure 1: Pages translated per minute.', {
  x: margin,
  y: fy - 18,
  size: 10,
  font: regular,
});
y = fy - 48;
y = paragraph(
  page,
  'Figures are kept exactly where they were; only their captions are translated.',
  y,
);
y = heading(page, '5. Conclusion', y, 14);
paragraph(
  page,
  'Try it on your own documents: upload a PDF, pick a language, and follow the progress until the result is ready.',
  y,
);
footer(page, 3);

const bytes = await doc.save({ useObjectStreams: false });
writeFileSync(fileURLToPath(new URL('./sample.pdf', import.meta.url)), bytes);
console.log(`wrote examples/sample.pdf (${bytes.length} bytes)`);
